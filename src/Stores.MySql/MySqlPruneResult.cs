namespace SessionStores.MySql;

/// <summary>What one <see cref="MySqlSessionStore.PruneAsync"/> pass did.</summary>
/// <param name="Acquired"><see langword="false"/> when another instance held the table's pruning lock (it was pruning),
/// so this pass did nothing.</param>
/// <param name="Deleted">The expired sessions deleted.</param>
/// <param name="Batches">The <c>DELETE</c> statements run on the session table (lease rows ended over an hour ago go
/// too, uncounted), each deleting at most
/// <see cref="MySqlSessionStoreOptions.PruneBatchSize"/> sessions.</param>
public readonly record struct MySqlPruneResult(bool Acquired, long Deleted, int Batches);
