using System;
using System.Collections.Generic;

namespace SessionStores.Memory;

/// <summary>The one validator of <see cref="MemorySessionStoreOptions"/>: the store's constructor and dependency
/// injection both use it, so a value one refuses the other refuses too.</summary>
internal sealed class MemorySessionStoreOptionsValidator : SessionStoreOptionsValidator<MemorySessionStoreOptions>
{
    /// <summary>The instance the store's constructor uses.</summary>
    public static MemorySessionStoreOptionsValidator Instance { get; } = new();

    /// <inheritdoc />
    protected override void Validate(MemorySessionStoreOptions options, ICollection<string> problems)
    {
        if (options.MaxSessions is <= 0)
        {
            problems.Add($"MemorySessionStoreOptions.MaxSessions must be positive or null (it is {options.MaxSessions}).");
        }

        RequireTimerInterval(nameof(options.PruneInterval), options.PruneInterval, problems);
        RequirePositive(nameof(options.PruneBatchSize), options.PruneBatchSize, problems);
    }
}
