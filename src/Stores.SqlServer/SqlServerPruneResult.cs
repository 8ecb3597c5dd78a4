namespace SessionStores.SqlServer;

/// <summary>What one <see cref="SqlServerSessionStore.PruneAsync"/> pass did.</summary>
/// <param name="Acquired">Whether this instance held the pruning lock; <see langword="false"/> when another instance was
/// pruning the table (nothing was deleted).</param>
/// <param name="Deleted">The expired rows deleted.</param>
public readonly record struct SqlServerPruneResult(bool Acquired, long Deleted);
