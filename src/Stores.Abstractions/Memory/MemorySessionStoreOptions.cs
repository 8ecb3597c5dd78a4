using System;

namespace SessionStores.Memory;

/// <summary>Options of <see cref="MemorySessionStore"/>.</summary>
public sealed class MemorySessionStoreOptions : SessionStoreOptions
{
    /// <summary>
    /// The most sessions kept at once, or <see langword="null"/> (the default) for no cap. When the cap is reached, a
    /// write that would create a session first prunes one bounded batch of expired sessions; if the store is still
    /// full it throws a transient <see cref="SessionStoreException"/>. Live sessions are never evicted to make room,
    /// so a full store refuses new visitors instead of logging out existing ones.
    /// </summary>
    public int? MaxSessions { get; set; }

    /// <summary>How often the background pruner sweeps the whole store, in passes of <see cref="PruneBatchSize"/> entries
    /// run back to back (<see cref="MemorySessionStore.PruneAsync"/> runs one pass now). Positive and below 24 days.
    /// Default: 1 minute.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How many entries one pruning pass inspects at most (whole shards of the store's 256; at least one, so a shard
    /// larger than this is inspected whole), so a pass holds the pruning gate briefly on a huge store; the next pass
    /// continues where the last one stopped. The same bound applies, separately, to the subject index sets a pass
    /// inspects for ones left empty. Default: 10,000.
    /// </summary>
    public int PruneBatchSize { get; set; } = 10_000;
}
