using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;
using SessionStores.Postgres.Internal;
using static SessionStores.Postgres.Internal.PostgresCodec;

namespace SessionStores.Postgres;

// What the table needs first and over time: the schema, created if missing under an advisory lock and checked against
// the recorded version (the DBA script too), and pruning of expired rows in bounded batches, one instance at a time,
// failures of the background pass logged and never thrown into requests.
public sealed partial class PostgresSessionStore
{
    /// <summary>The schema version this library creates and understands, recorded per table in
    /// <c>&lt;schema&gt;.sessionstores_schema</c> so later versions can migrate.</summary>
    public const int SchemaVersion = PostgresCommands.SchemaVersion;

    private readonly SessionStoreInitializer _schema;
    private readonly string _schemaName;
    private readonly string _tableName;
    private readonly bool _createSchema;
    private readonly bool _unlogged;
    private readonly Task? _pruneLoop;
    private readonly int _pruneBatchSize;
    private readonly TimeSpan _pruneBatchDelay;

    /// <summary>
    /// The session-level advisory lock (<c>pg_try_advisory_lock(bigint)</c>) a pruning pass holds, derived from the
    /// quoted table name. A database-side job that prunes the same table should take it too.
    /// </summary>
    public long PruneLockKey { get; }

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
    /// <exception cref="ArgumentException">A name is invalid (see <see cref="PostgresSessionStoreOptions.SchemaName"/> and
    /// <see cref="PostgresSessionStoreOptions.TableName"/>).</exception>
    public static string GenerateSchemaScript(
        string schemaName = PostgresSessionStoreOptions.DefaultSchemaName,
        string tableName = PostgresSessionStoreOptions.DefaultTableName,
        bool unlogged = false)
    {
        var problems = new List<string>();
        PostgresSessionStoreOptionsValidator.ValidateNames(schemaName, tableName, problems);
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems));
        }

        var commands = new PostgresCommands(schemaName, tableName);
        return "-- SessionStores.Postgres schema version " + SchemaVersion + " for " + commands.Table + "\nBEGIN;\n" +
               commands.DbaScript(schemaName, tableName, unlogged) + "COMMIT;\n";
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
        _runner.RunAsync(SessionStoreOperationNames.CreateSchema, _schema, static (schema, ct) => schema.EnsureAsync(ct), cancellationToken);

    /// <summary>
    /// Runs one pruning pass now (the background pruner does this every <see cref="PostgresSessionStoreOptions.PruneInterval"/>):
    /// unless another instance holds <see cref="PruneLockKey"/>, deletes expired rows in statements of at most
    /// <see cref="PostgresSessionStoreOptions.PruneBatchSize"/> rows until none are left. Rows a live request has
    /// locked are skipped, never waited for. Each statement (not the pass as a whole) must finish within
    /// <see cref="SessionStoreOptions.OperationTimeout"/>.
    /// </summary>
    /// <param name="cancellationToken">Stops the pass: a statement in flight or the pause between batches is cancelled; the
    /// rows of the batches already committed stay deleted.</param>
    /// <returns>Whether the lock was acquired, and how much was deleted in how many statements.</returns>
    /// <exception cref="SessionStoreException">The database failed.</exception>
    public Task<PostgresPruneResult> PruneAsync(CancellationToken cancellationToken = default) =>
        _runner.RunStepsAsync(SessionStoreOperationNames.Prune, this, static (store, deadline) => store.PruneCoreAsync(deadline), cancellationToken);

    // Read first: an application without CREATE rights on an existing table never issues DDL.
    private async Task EnsureSchemaCoreAsync(CancellationToken cancellationToken)
    {
        var version = await ReadSchemaVersionAsync(null, cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            if (!_createSchema)
            {
                throw new InvalidOperationException(
                    $"The session table {_commands.Table} has no SessionStores schema record in {_commands.VersionTable}. Create it with " +
                    "PostgresSessionStore.GenerateSchemaScript (sql/create-sessionstores.sql) or set PostgresSessionStoreOptions.CreateSchemaIfMissing to true.");
            }

            version = await CreateSchemaAsync(cancellationToken).ConfigureAwait(false);
        }

        if (version != SchemaVersion)
        {
            throw new InvalidOperationException(
                $"The session table {_commands.Table} has SessionStores schema version {version}, but this version of SessionStores.Postgres " +
                $"uses {SchemaVersion}. Upgrade the package (or migrate the table) so that they match.");
        }
    }

    // Asks the catalog whether the version table exists before reading it, so that a start against an empty database
    // sends no failing statement (each would be an ERROR line in the server's log). The catch stays for a table dropped
    // between the two statements.
    private async Task<int?> ReadSchemaVersionAsync(NpgsqlConnection? connection, CancellationToken cancellationToken)
    {
        try
        {
            var exists = connection is null ? _dataSource.CreateCommand(_commands.TableExists) : new NpgsqlCommand(_commands.TableExists, connection);
            await using (exists.ConfigureAwait(false))
            {
                exists.Parameters.Add(Text(_commands.VersionTable));
                if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
                {
                    return null;
                }
            }

            var command = connection is null ? _dataSource.CreateCommand(_commands.ReadSchemaVersion) : new NpgsqlCommand(_commands.ReadSchemaVersion, connection);
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
        var key = LockKeys.For("schema", _commands.Schema);
        var connection = await _dedicatedDataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
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
            var ddl = new NpgsqlCommand(
                (createSchema ? _commands.CreateSchema + ";\n" : string.Empty) + _commands.CreateTablesScript(_tableName, _unlogged), connection, transaction);
            await using (ddl.ConfigureAwait(false))
            {
                await ddl.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var read = new NpgsqlCommand(_commands.ReadSchemaVersion, connection, transaction);
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
                Log.UnlockFailed(_logger, _commands.Table, ex);
            }
        }

        Log.SchemaEnsured(_logger, _commands.Table, version ?? 0);
        return version;
    }

    private async Task<bool> SchemaExistsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(_commands.SchemaExists, connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(Text(_schemaName));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    private static async Task<bool> RunLockAsync(NpgsqlConnection connection, string sql, long key, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(Bigint(key));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    // Every statement is awaited with the deadline's token rather than abandoned at the deadline: the pass owns its
    // connection, which must be idle again for the unlock in the finally block (Npgsql honours the token, and breaks
    // the connection when the server does not answer the cancel request).
    private async Task<PostgresPruneResult> PruneCoreAsync(SessionStoreDeadline deadline)
    {
        await _schema.EnsureAsync(deadline.Token).ConfigureAwait(false);
        var connection = await _dedicatedDataSource.OpenConnectionAsync(deadline.Token).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        if (!await RunLockAsync(connection, "SELECT pg_try_advisory_lock($1)", PruneLockKey, deadline.Token).ConfigureAwait(false))
        {
            Log.PruneSkipped(_logger, _commands.Table);
            return new PostgresPruneResult(false, 0, 0);
        }

        try
        {
            var (deleted, batches) = await PruneBatchesAsync(connection, deadline).ConfigureAwait(false);
            deadline.Restart();
            await PruneStaleLeasesAsync(connection, deadline.Token).ConfigureAwait(false);
            return new PostgresPruneResult(true, deleted, batches);
        }
        finally
        {
            await ReleasePruneLockAsync(connection).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs the keyset batch statement (the DeleteBatch shape of Internal/PostgresCommands.cs: rows picked, last cursor,
    /// rows deleted) until a batch picks fewer than the batch size, each batch starting where the last one ended, and
    /// pausing between batches (when <see cref="PostgresSessionStoreOptions.PruneBatchDelay"/> is positive) for the
    /// longer of the delay and the time the batch took.
    /// </summary>
    private async Task<(long Deleted, int Batches)> PruneBatchesAsync(NpgsqlConnection connection, SessionStoreDeadline deadline)
    {
        var delete = new NpgsqlCommand(_commands.PruneBatch, connection);
        await using var deleteScope = delete.ConfigureAwait(false);
        var from = new NpgsqlParameter<DateTime> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc) };
        delete.Parameters.Add(from);
        delete.Parameters.Add(Integer(_pruneBatchSize));
        long deleted = 0;
        var batches = 0;
        while (true)
        {
            long picked;
            deadline.Restart();
            var started = Stopwatch.GetTimestamp();
            var reader = await delete.ExecuteReaderAsync(deadline.Token).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(deadline.Token).ConfigureAwait(false);
                picked = reader.GetInt64(0);
                var rows = reader.GetInt64(2);
                deleted += rows;
                batches++;
                Log.PruneBatch(_logger, (int)rows, _commands.Table);
                if (picked == _pruneBatchSize)
                {
                    from.TypedValue = reader.GetFieldValue<DateTime>(1);
                }
            }

            if (picked < _pruneBatchSize)
            {
                return (deleted, batches);
            }

            if (_pruneBatchDelay > TimeSpan.Zero)
            {
                // Paced: pause at least as long as the batch took, so the deleting connection never has more than half of
                // the time, and backs off by itself when a busy server makes its statements slow. The pause is not a
                // statement: no deadline runs.
                deadline.Suspend();
                var took = Stopwatch.GetElapsedTime(started);
                await Task.Delay(took > _pruneBatchDelay ? took : _pruneBatchDelay, deadline.Token).ConfigureAwait(false);
            }
        }
    }

    private async Task ReleasePruneLockAsync(NpgsqlConnection connection)
    {
        try
        {
            // Not cancellable: the lock must not stay with the pooled connection. Should this fail, the connection is
            // broken, and the server drops its session locks with it.
            await RunLockAsync(connection, "SELECT pg_advisory_unlock($1)", PruneLockKey, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            Log.UnlockFailed(_logger, _commands.Table, ex);
        }
    }

    private async Task RunPruneLoopAsync(TimeSpan interval, CancellationToken stopping)
    {
        // Leave the constructor first; the loop then lives until the store is disposed.
        await Task.Yield();
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    var result = await PruneAsync(stopping).ConfigureAwait(false);
                    if (result.Deleted > 0)
                    {
                        Log.Pruned(_logger, result.Deleted, result.Batches, _commands.Table);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    // Nobody awaits the pruner: its failures are logged, and the next tick tries again.
                    Log.PruneFailed(_logger, _commands.Table, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed.
        }
    }
}
