namespace SessionStores.StoreName;

/// <summary>What one <see cref="StoreNameSessionStore.PruneAsync"/> pass did.</summary>
/// <param name="Deleted">The expired sessions deleted.</param>
/// <param name="Batches">The batches run, each deleting at most <see cref="StoreNameSessionStoreOptions.PruneBatchSize"/>
/// sessions.</param>
public readonly record struct StoreNamePruneResult(long Deleted, int Batches);
