namespace SessionStores.Memcached;

/// <summary>What one <see cref="MemcachedSessionStore.PruneAsync"/> pass did.</summary>
/// <param name="Deleted">The expired sessions deleted.</param>
/// <param name="Batches">The batches run, each deleting at most <see cref="MemcachedSessionStoreOptions.PruneBatchSize"/>
/// sessions.</param>
public readonly record struct MemcachedPruneResult(long Deleted, int Batches);
