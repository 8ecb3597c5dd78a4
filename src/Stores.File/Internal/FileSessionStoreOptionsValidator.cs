using System;
using System.Collections.Generic;

namespace SessionStores.File.Internal;

/// <summary>The one validator of <see cref="FileSessionStoreOptions"/>: the store's constructor and dependency
/// injection both use it.</summary>
internal sealed class FileSessionStoreOptionsValidator : SessionStoreOptionsValidator<FileSessionStoreOptions>
{
    /// <summary>The instance the store's constructor uses.</summary>
    public static FileSessionStoreOptionsValidator Instance { get; } = new();

    /// <inheritdoc />
    protected override void Validate(FileSessionStoreOptions options, ICollection<string> problems)
    {
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            problems.Add("FileSessionStoreOptions.Directory must name the directory that holds the sessions.");
        }

        // The timer takes at most int.MaxValue milliseconds.
        if (options.PruneInterval <= TimeSpan.Zero || options.PruneInterval.TotalMilliseconds > int.MaxValue)
        {
            problems.Add($"FileSessionStoreOptions.PruneInterval must be positive and below 24 days (it is {options.PruneInterval}).");
        }

        if (options.PruneBatchSize <= 0)
        {
            problems.Add($"FileSessionStoreOptions.PruneBatchSize must be positive (it is {options.PruneBatchSize}).");
        }

        if (options.LockTimeout <= TimeSpan.Zero)
        {
            problems.Add($"FileSessionStoreOptions.LockTimeout must be positive (it is {options.LockTimeout}).");
        }

        if (options.OrphanTempFileAge <= TimeSpan.Zero)
        {
            problems.Add($"FileSessionStoreOptions.OrphanTempFileAge must be positive (it is {options.OrphanTempFileAge}).");
        }
    }
}
