namespace SessionStores.Postgres;

/// <summary>The outcome of one <see cref="PostgresSessionStore.PruneAsync"/> pass.</summary>
/// <param name="Acquired"><see langword="false"/> when another instance (or a database job holding
/// <see cref="PostgresSessionStore.PruneLockKey"/>) was pruning, so this pass did nothing.</param>
/// <param name="Deleted">The expired rows deleted.</param>
/// <param name="Batches">The <c>DELETE</c> statements run, each removing at most
/// <see cref="PostgresSessionStoreOptions.PruneBatchSize"/> rows.</param>
public readonly record struct PostgresPruneResult(bool Acquired, long Deleted, int Batches);
