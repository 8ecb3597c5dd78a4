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

        RequireTimerInterval(nameof(options.PruneInterval), options.PruneInterval, problems);
        RequirePositive(nameof(options.PruneBatchSize), options.PruneBatchSize, problems);

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
