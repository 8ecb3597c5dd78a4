using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;
using SessionStores.Postgres.Internal;

namespace SessionStores.Postgres;

// Schema management: create-if-missing under an advisory lock, the recorded schema version, the DBA script.
public sealed partial class PostgresSessionStore
{
    /// <summary>The schema version this library creates and understands, recorded per table in
    /// <c>&lt;schema&gt;.sessionstores_schema</c> so later versions can migrate.</summary>
    public const int SchemaVersion = PostgresSql.SchemaVersion;

    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private readonly string _schemaName;
    private readonly string _tableName;
    private readonly bool _createSchema;
    private readonly bool _unlogged;
    private volatile bool _schemaReady;

    /// <summary>
    /// The SQL a DBA runs to create the session table (and its schema, indexes and version record) when the application
    /// may not create tables (<see cref="PostgresSessionStoreOptions.CreateSchemaIfMissing"/> = <see langword="false"/>).
    /// It creates exactly what the store creates itself; like the store, it creates the schema only when it is missing, so
    /// a role that may create tables in an existing schema but not schemas in the database can run it. The package also
    /// ships it for the defaults as <c>sql/create-sessionstores.sql</c>.
    /// </summary>
    /// <param name="schemaName">The schema name.</param>
    /// <param name="tableName">The table name.</param>
    /// <param name="unlogged">Whether to create an <c>UNLOGGED</c> table (see <see cref="PostgresSessionStoreOptions.UnloggedTable"/>).</param>
    /// <returns>The script, idempotent (every statement checks for what it creates), wrapped in one transaction.</returns>
    public static string GenerateSchemaScript(
        string schemaName = PostgresSessionStoreOptions.DefaultSchemaName,
        string tableName = PostgresSessionStoreOptions.DefaultTableName,
        bool unlogged = false)
    {
        var error = PostgresSessionStoreOptionsValidation.Validate(
            new PostgresSessionStoreOptions { SchemaName = schemaName, TableName = tableName }, requireConnection: false);
        if (error is not null)
        {
            throw new ArgumentException(error);
        }

        var sql = new PostgresSql(schemaName, tableName);
        return "-- SessionStores.Postgres schema version " + SchemaVersion + " for " + sql.Table + "\nBEGIN;\n" +
               sql.DbaScript(schemaName, tableName, unlogged) + "COMMIT;\n";
    }

    /// <summary>
    /// Makes sure the session table exists with a schema version this library understands, creating it when missing and
    /// <see cref="PostgresSessionStoreOptions.CreateSchemaIfMissing"/> allows. Every operation does this on first use;
    /// call it at start-up to fail fast.
    /// </summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task that completes when the table is ready.</returns>
    /// <exception cref="InvalidOperationException">The table is missing and may not be created, or has another schema version.</exception>
    /// <exception cref="SessionStoreException">The database could not be reached or refused the DDL.</exception>
    public Task EnsureSchemaAsync(CancellationToken cancellationToken = default) =>
        _runner.RunAsync("EnsureSchema", this, static (s, ct) => s.EnsureSchemaCheckedAsync(ct), cancellationToken);

    private async Task EnsureSchemaCheckedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsBackendFailure(ex, cancellationToken))
        {
            throw Fail(ex, "EnsureSchema", null, cancellationToken);
        }
    }

    // The hot path costs one volatile read; only the first operations of a store's life take the gate.
    private Task EnsureReadyAsync(CancellationToken cancellationToken) =>
        _schemaReady ? Task.CompletedTask : EnsureSchemaCoreAsync(cancellationToken);

    private async Task EnsureSchemaCoreAsync(CancellationToken cancellationToken)
    {
        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schemaReady)
            {
                return;
            }

            // Read first: an application without CREATE rights on an existing table never issues DDL.
            var version = await ReadSchemaVersionAsync(null, cancellationToken).ConfigureAwait(false);
            if (version is null)
            {
                if (!_createSchema)
                {
                    throw new InvalidOperationException(
                        $"The session table {_sql.Table} has no SessionStores schema record in {_sql.VersionTable}. Create it with " +
                        "PostgresSessionStore.GenerateSchemaScript (sql/create-sessionstores.sql) or set PostgresSessionStoreOptions.CreateSchemaIfMissing to true.");
                }

                version = await CreateSchemaAsync(cancellationToken).ConfigureAwait(false);
            }

            if (version != SchemaVersion)
            {
                throw new InvalidOperationException(
                    $"The session table {_sql.Table} has SessionStores schema version {version}, but this version of SessionStores.Postgres " +
                    $"uses {SchemaVersion}. Upgrade the package (or migrate the table) so that they match.");
            }

            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    // Asks the catalog whether the version table exists before reading it, so that a start against an empty database
    // sends no failing statement (each would be an ERROR line in the server's log). The catch stays for a table dropped
    // between the two statements.
    private async Task<int?> ReadSchemaVersionAsync(NpgsqlConnection? connection, CancellationToken cancellationToken)
    {
        try
        {
            var exists = connection is null ? _dataSource.CreateCommand(_sql.VersionTableExists) : new NpgsqlCommand(_sql.VersionTableExists, connection);
            await using (exists.ConfigureAwait(false))
            {
                exists.Parameters.Add(Text(_sql.VersionTable));
                if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
                {
                    return null;
                }
            }

            var command = connection is null ? _dataSource.CreateCommand(_sql.ReadSchemaVersion) : new NpgsqlCommand(_sql.ReadSchemaVersion, connection);
            await using var commandScope = command.ConfigureAwait(false);
            command.Parameters.Add(Text(_tableName));
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int version ? version : null;
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return null;
        }
    }

    // Several instances may start at once: they serialise on a session-level advisory lock for the schema, so the
    // IF NOT EXISTS statements never race each other (CREATE … IF NOT EXISTS alone can still fail on a concurrent
    // create). The lock is taken before anything is read or the DDL transaction begins, not inside a transaction: a
    // transaction's start is where the backend catches up with catalog changes committed meanwhile; a lock taken inside
    // an older transaction would let it act on a stale "schema does not exist".
    // Whoever waited for the lock reads the version again and, when an instance before it created the table, runs no
    // DDL: CREATE INDEX IF NOT EXISTS takes a SHARE lock on the table (blocking the writes of the instances already
    // serving) and requires ownership of it, both before it finds that the index exists.
    private async Task<int?> CreateSchemaAsync(CancellationToken cancellationToken)
    {
        var key = LockKeys.For("schema", _sql.Schema);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        await RunLockAsync(connection, "SELECT pg_advisory_lock($1)", key, cancellationToken).ConfigureAwait(false);
        int? version;
        try
        {
            version = await ReadSchemaVersionAsync(connection, cancellationToken).ConfigureAwait(false);
            if (version is not null)
            {
                return version;
            }

            // CREATE SCHEMA IF NOT EXISTS checks CREATE on the database before it looks for the schema: an application
            // role that may create tables in an existing schema (but not schemas) must not be sent it.
            var createSchema = !await SchemaExistsAsync(connection, cancellationToken).ConfigureAwait(false);
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var transactionScope = transaction.ConfigureAwait(false);
            var ddl = new NpgsqlCommand((createSchema ? _sql.CreateSchema + ";\n" : string.Empty) + _sql.CreateTablesScript(_tableName, _unlogged), connection, transaction);
            await using (ddl.ConfigureAwait(false))
            {
                await ddl.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var read = new NpgsqlCommand(_sql.ReadSchemaVersion, connection, transaction);
            await using (read.ConfigureAwait(false))
            {
                read.Parameters.Add(Text(_tableName));
                version = await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int v ? v : null;
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Not cancellable, so the lock never stays with the pooled connection; a broken connection drops it anyway.
            try
            {
                await RunLockAsync(connection, "SELECT pg_advisory_unlock($1)", key, CancellationToken.None).ConfigureAwait(false);
            }
            catch (NpgsqlException ex)
            {
                Log.UnlockFailed(_logger, _sql.Table, ex);
            }
        }

        Log.SchemaEnsured(_logger, _sql.Table, version ?? 0);
        return version;
    }

    private async Task<bool> SchemaExistsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(_sql.SchemaExists, connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(Text(_schemaName));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    private static async Task RunLockAsync(NpgsqlConnection connection, string sql, long key, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlDbType.Bigint, TypedValue = key });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
