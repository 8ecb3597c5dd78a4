namespace SessionStores.MySql;

/// <summary>What one <see cref="MySqlSessionStore.PruneAsync"/> pass did.</summary>
/// <param name="Deleted">The expired sessions deleted.</param>
/// <param name="Batches">The batches run, each deleting at most <see cref="MySqlSessionStoreOptions.PruneBatchSize"/>
/// sessions.</param>
public readonly record struct MySqlPruneResult(long Deleted, int Batches);
