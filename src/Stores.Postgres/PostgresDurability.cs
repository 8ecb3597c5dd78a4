namespace SessionStores.Postgres;

/// <summary>When a write of <see cref="PostgresSessionStore"/> is acknowledged: see <see cref="PostgresSessionStoreOptions.Durability"/>.</summary>
public enum PostgresDurability
{
    /// <summary>After its commit is on disk, as the server's <c>synchronous_commit</c> says (by default: flushed).</summary>
    Full = 0,

    /// <summary>
    /// Before its commit is on disk: the store's own write transactions run with <c>synchronous_commit = off</c>. A crash
    /// of the server (or of its machine) can lose the writes of its last moments (at most about three times
    /// <c>wal_writer_delay</c>, 600 ms by default), which then read as their previous state; it never corrupts the table
    /// or loses older writes, unlike an <c>UNLOGGED</c> table, which a crash empties.
    /// </summary>
    Relaxed = 1,
}
