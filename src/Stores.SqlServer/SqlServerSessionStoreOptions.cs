using System;
using Microsoft.Data.SqlClient;

namespace SessionStores.SqlServer;

/// <summary>Options of <see cref="SqlServerSessionStore"/>.</summary>
public sealed class SqlServerSessionStoreOptions : SessionStoreOptions
{
    /// <summary>The SQL Server connection string (pooled connections are opened per operation). Used when
    /// <see cref="ConnectionFactory"/> is <see langword="null"/>. Default: <see langword="null"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Creates an unopened connection for each operation, for example to set an access token or share your own
    /// configuration. Takes precedence over <see cref="ConnectionString"/>. Default: <see langword="null"/>.
    /// </summary>
    public Func<SqlConnection>? ConnectionFactory { get; set; }

    /// <summary>The schema of the session table. Default: <c>dbo</c>.</summary>
    public string SchemaName { get; set; } = "dbo";

    /// <summary>
    /// The session table: this store's namespace, one row per session, nothing else in it. At most 100 characters
    /// (index and constraint names are derived from it). Default: <c>Sessions</c>.
    /// </summary>
    public string TableName { get; set; } = "Sessions";

    /// <summary>
    /// Whether the store creates its schema, table and indexes before its first operation when they are missing. Safe
    /// when several instances start at once (an application lock serialises them). Turn it off when the application's
    /// login may not run DDL, and run the shipped <c>sql/create-session-table.sql</c> (or the script of
    /// <see cref="SqlServerSessionStore.GenerateSchemaScript"/>) instead. Default:
    /// <see langword="true"/>.
    /// </summary>
    public bool CreateSchemaIfMissing { get; set; } = true;

    /// <summary>
    /// How often this instance deletes expired rows, or <see langword="null"/> to never do it (for example when a SQL
    /// Agent job calls the same statement). Expired rows are invisible at once either way; pruning only reclaims
    /// space. Only one instance prunes at a time (<c>sp_getapplock</c>); failures are logged, never thrown into
    /// requests. Default: 5 minutes.
    /// </summary>
    public TimeSpan? PruneInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Rows deleted per statement while pruning and in <see cref="ISessionStore.DestroyManyAsync"/>: 1 to 4,000, kept
    /// below SQL Server's lock-escalation threshold (5,000 locks) so the table is never locked as a whole. A pruning
    /// run deletes at most 50 batches, then starts again at once if more remain. Default: 1,000.
    /// </summary>
    public int PruneBatchSize { get; set; } = 1_000;

    /// <summary>The timeout of each command. A timeout surfaces as a transient <see cref="SessionStoreException"/>,
    /// the caller's cancellation as <see cref="OperationCanceledException"/>. Default: 30 seconds.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
