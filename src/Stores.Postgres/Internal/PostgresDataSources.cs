using Npgsql;

namespace SessionStores.Postgres.Internal;

/// <summary>
/// The data sources of a store that builds its own from a connection string: a pool for the per-operation statements,
/// without Npgsql's reset on close, and an unpooled one for the few connections that hold session state (advisory locks,
/// <c>LISTEN</c>).
/// </summary>
/// <remarks>
/// <para>Npgsql resets a pooled connection before its next use; on a connection with prepared statements (the store
/// prepares its own) the reset is not <c>DISCARD ALL</c> but seven statements (<c>CLOSE ALL</c>, <c>RESET ALL</c>,
/// <c>UNLISTEN *</c>, <c>pg_advisory_unlock_all()</c>, …) prepended to the next command: measured, seven statements for
/// every one- or two-statement operation, on the server and in the client. The store's pooled work leaves nothing to
/// reset: every operation is one batch in an implicit transaction, and the only setting it changes is
/// <c>set_config(…, true)</c>, local to that transaction. What does leave state (a session advisory lock whose unlock
/// failed, a <c>LISTEN</c>) runs on a connection that is closed for real when the store is done with it, so the server
/// drops that state with it.</para>
/// <para>A data source the application gives is used for both, untouched: its own reset (or its <c>No Reset On
/// Close</c>, its choice) applies.</para>
/// </remarks>
internal static class PostgresDataSources
{
    /// <summary>Builds the pooled data source (reset off) and the unpooled one from <paramref name="connectionString"/>.</summary>
    public static (NpgsqlDataSource Pooled, NpgsqlDataSource Dedicated) Create(string connectionString)
    {
        var pooled = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
        var dedicated = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        return (NpgsqlDataSource.Create(pooled), NpgsqlDataSource.Create(dedicated));
    }
}
