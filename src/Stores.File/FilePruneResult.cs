namespace SessionStores.File;

/// <summary>What one pass of <see cref="FileSessionStore.PruneAsync"/> did.</summary>
/// <param name="Inspected">Directory entries looked at (at most <see cref="FileSessionStoreOptions.PruneBatchSize"/>).</param>
/// <param name="SessionsDeleted">Expired session files deleted.</param>
/// <param name="TemporaryFilesDeleted">Temporary files left by crashed writers deleted.</param>
/// <param name="SweepCompleted">Whether the pass reached the end of the directory, so the next pass starts over.</param>
public readonly record struct FilePruneResult(int Inspected, int SessionsDeleted, int TemporaryFilesDeleted, bool SweepCompleted);
