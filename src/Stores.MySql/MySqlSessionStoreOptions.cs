using System;
using MySqlConnector;

namespace SessionStores.MySql;

/// <summary>Options of <see cref="MySqlSessionStore"/>.</summary>
public sealed class MySqlSessionStoreOptions : SessionStoreOptions
{
    /// <summary>The default <see cref="TableName"/>.</summary>
    public const string DefaultTableName = "sessions";

    /// <summary>The longest <see cref="TableName"/>: MySQL's 64 characters for an identifier, less the <c>_leases</c> of
    /// the lease table beside it.</summary>
    public const int MaxTableNameLength = 57;

    /// <summary>The largest <see cref="PruneBatchSize"/>.</summary>
    public const int MaxPruneBatchSize = 10_000;

    /// <summary>
    /// The MySqlConnector connection string (with a <c>Database</c>). The store then creates and owns its own
    /// <see cref="MySqlDataSource"/> and its connection pool; a connect timeout and a command timeout that agree with
    /// <see cref="SessionStoreOptions.OperationTimeout"/> are added unless the string sets them. Ignored when
    /// <see cref="DataSource"/> is set. Default: <see langword="null"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// An existing data source to use instead of <see cref="ConnectionString"/>, shared with the rest of the
    /// application; the store does not dispose it. Its connection string must not set <c>UseAffectedRows=true</c> (the
    /// store counts the rows an <c>UPDATE</c> matched, not only those it changed). Default: <see langword="null"/>.
    /// </summary>
    public MySqlDataSource? DataSource { get; set; }

    /// <summary>
    /// The session table in the connection's database: every session this store keeps is a row of it, and nothing else
    /// is (leases live beside it in <c>&lt;TableName&gt;_leases</c>). Letters, digits and underscores, starting with a letter, at most <see cref="MaxTableNameLength"/> characters
    /// (it is always quoted). Default: <c>sessions</c>.
    /// </summary>
    public string TableName { get; set; } = DefaultTableName;

    /// <summary>Whether the store creates its table before its first operation when it is missing; safe when several
    /// instances start at once (they line up on a named lock). Without it, a missing table fails the first operation
    /// with a message naming <see cref="MySqlSessionStore.GenerateSchemaScript"/>. Default: <see langword="true"/>.</summary>
    public bool CreateSchemaIfMissing { get; set; } = true;

    /// <summary>Whether this instance deletes expired sessions every <see cref="PruneInterval"/>, while it holds the
    /// table's pruning lock (<c>GET_LOCK</c>): with several instances, one prunes at a time. Expired sessions are absent
    /// either way; pruning only reclaims space. Failures are logged, never thrown into requests. Default:
    /// <see langword="true"/>.</summary>
    public bool EnablePruning { get; set; } = true;

    /// <summary>How often this instance prunes (with <see cref="EnablePruning"/>): greater than zero. Default: 5 minutes.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Sessions deleted per statement while pruning and in <see cref="ISessionStore.DestroyManyAsync"/>: 1 to
    /// <see cref="MaxPruneBatchSize"/>. Default: 1,000.</summary>
    public int PruneBatchSize { get; set; } = 1_000;
}
