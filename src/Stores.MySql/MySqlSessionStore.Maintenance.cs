using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using MySqlConnector;
using SessionStores.MySql.Internal;
using static SessionStores.MySql.Internal.MySqlCodec;

namespace SessionStores.MySql;

// What the table needs first and over time: the table, created once before the first operation when missing (several
// instances starting at once line up on a named lock) and checked against the schema version its comment records; and
// the pruning of expired sessions in batches, one instance at a time, in the background.
public sealed partial class MySqlSessionStore
{
    /// <summary>The schema version this library creates and understands, recorded in the table's comment
    /// (<c>SessionStores.MySql schema 1</c>) so later versions can migrate.</summary>
    public const int SchemaVersion = MySqlCommands.SchemaVersion;

    private readonly bool _createSchema;
    private readonly int _pruneBatchSize;
    private readonly SessionStoreInitializer _schema;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _pruneLoop;
    private readonly uint _schemaLockWaitSeconds;

    /// <summary>
    /// The SQL a DBA runs to create the session table when the application may not create tables
    /// (<see cref="MySqlSessionStoreOptions.CreateSchemaIfMissing"/> = <see langword="false"/>): exactly what the store
    /// creates itself, in the connection's current database. The package also ships it for the default name as
    /// <c>sql/create-sessionstores.sql</c>.
    /// </summary>
    /// <param name="tableName">The table name (see <see cref="MySqlSessionStoreOptions.TableName"/>).</param>
    /// <returns>The script; idempotent (<c>CREATE TABLE IF NOT EXISTS</c>).</returns>
    /// <exception cref="ArgumentException"><paramref name="tableName"/> is invalid.</exception>
    public static string GenerateSchemaScript(string tableName = MySqlSessionStoreOptions.DefaultTableName)
    {
        var problems = new List<string>();
        MySqlSessionStoreOptionsValidator.ValidateTableName(tableName, problems);
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(tableName));
        }

        var commands = new MySqlCommands(tableName);
        return $"-- SessionStores.MySql schema version {SchemaVersion} for {commands.Table} (MySQL 8, MariaDB 10.6+)\n" +
               $"{commands.CreateTable};\n{commands.CreateLeaseTable};\n";
    }

    /// <summary>Makes sure the session table exists with a schema version this library understands, creating it when
    /// missing and <see cref="MySqlSessionStoreOptions.CreateSchemaIfMissing"/> allows. Every operation does this on
    /// first use; call it at start-up to fail there rather than on the first request.</summary>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <returns>A task that completes when the table is ready.</returns>
    /// <exception cref="InvalidOperationException">The table is missing and may not be created, or has another schema version.</exception>
    /// <exception cref="SessionStoreException">MySQL failed.</exception>
    public Task EnsureSchemaAsync(CancellationToken cancellationToken = default) =>
        _runner.RunAsync(SessionStoreOperationNames.CreateSchema, _schema, static (schema, ct) => schema.EnsureAsync(ct), cancellationToken);

    /// <summary>
    /// Runs one pruning pass now (the background pruner runs one every <see cref="MySqlSessionStoreOptions.PruneInterval"/>):
    /// unless another instance holds the table's pruning lock (<c>GET_LOCK</c>, named for the database and table),
    /// deletes expired sessions in statements of at most <see cref="MySqlSessionStoreOptions.PruneBatchSize"/>, each
    /// within <see cref="SessionStoreOptions.OperationTimeout"/>, until none is left. Expired sessions are absent whether
    /// pruned or not; pruning only reclaims space.
    /// </summary>
    /// <param name="cancellationToken">Stops the pass; the batches already done stay done.</param>
    /// <returns>Whether the lock was acquired, and what the pass deleted.</returns>
    /// <exception cref="SessionStoreException">MySQL failed.</exception>
    public Task<MySqlPruneResult> PruneAsync(CancellationToken cancellationToken = default) =>
        _runner.RunStepsAsync(SessionStoreOperationNames.Prune, this, static (store, deadline) => store.PruneBatchesAsync(deadline), cancellationToken);

    // The lock lives in the connection that took it, so the pass holds one connection throughout; should it break, the
    // server releases the lock, and a pooled connection is reset (releasing it too) before it serves anyone else.
    private async Task<MySqlPruneResult> PruneBatchesAsync(SessionStoreDeadline deadline)
    {
        deadline.Restart();
        var connection = await deadline.WaitAsync(OpenWithSchemaAsync(deadline.Token)).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        if (await deadline.WaitAsync(ScalarAsync(connection, _commands.PruneLock, deadline.Token)).ConfigureAwait(false) != 1)
        {
            return new MySqlPruneResult(false, 0, 0);
        }

        long deleted = 0;
        var batches = 0;
        try
        {
            long batch;
            do
            {
                deadline.Restart();
                batch = await deadline.WaitAsync(PruneBatchCoreAsync(connection, _commands.PruneBatch, deadline.Token)).ConfigureAwait(false);
                deleted += batch;
                batches++;
            }
            while (batch == _pruneBatchSize);

            do
            {
                deadline.Restart();
                batch = await deadline.WaitAsync(PruneBatchCoreAsync(connection, _commands.PruneLeaseBatch, deadline.Token)).ConfigureAwait(false);
            }
            while (batch == _pruneBatchSize);
        }
        finally
        {
            await ReleaseLockAsync(connection, _commands.PruneUnlock).ConfigureAwait(false);
        }

        return new MySqlPruneResult(true, deleted, batches);
    }

    // Read first: an application without CREATE rights on an existing table never sends DDL. Whoever waited for the
    // lock reads again and, when an instance before it created the table, sends none either (no "already exists" note).
    private async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var comment = await ReadSchemaCommentAsync(connection, cancellationToken).ConfigureAwait(false);
        if (comment is null && _createSchema)
        {
            using var lockCommand = new MySqlCommand(_commands.SchemaLock, connection);
            Add(lockCommand, "@table", _commands.TableName);
            Add(lockCommand, "@wait", _schemaLockWaitSeconds);
            var locked = await lockCommand.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (locked is null or DBNull || Convert.ToInt64(locked, CultureInfo.InvariantCulture) != 1)
            {
                throw new TimeoutException($"Timed out after {_schemaLockWaitSeconds} s waiting for the lock under which another instance creates {_commands.Table}.");
            }

            try
            {
                comment = await ReadSchemaCommentAsync(connection, cancellationToken).ConfigureAwait(false);
                if (comment is null)
                {
                    // The lease table first: the session table's comment is what marks the schema as complete.
                    using var create = new MySqlCommand(_commands.CreateLeaseTable + ";\n" + _commands.CreateTable, connection);
                    await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    comment = MySqlCommands.SchemaComment;
                    Log.SchemaReady(_logger, _commands.TableName);
                }
            }
            finally
            {
                await ReleaseLockAsync(connection, _commands.SchemaUnlock).ConfigureAwait(false);
            }
        }

        if (comment is null)
        {
            throw new InvalidOperationException(
                $"The session table {_commands.Table} does not exist. Create it with MySqlSessionStore.GenerateSchemaScript " +
                "(sql/create-sessionstores.sql) or set MySqlSessionStoreOptions.CreateSchemaIfMissing to true.");
        }

        if (comment != MySqlCommands.SchemaComment)
        {
            throw new InvalidOperationException(
                $"The table {_commands.Table} is not a SessionStores.MySql table of schema version {SchemaVersion} (its comment is " +
                $"'{SessionValidation.EscapeControlCharacters(comment)}'). Use another MySqlSessionStoreOptions.TableName, or upgrade the package " +
                "(or migrate the table) so that they match.");
        }
    }

    private async Task<string?> ReadSchemaCommentAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        using var command = new MySqlCommand(_commands.ReadSchemaComment, connection);
        Add(command, "@table", _commands.TableName);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>Deletes up to <see cref="MySqlSessionStoreOptions.PruneBatchSize"/> expired sessions (or lease rows),
    /// oldest first.</summary>
    /// <returns>How many were deleted.</returns>
    private async Task<long> PruneBatchCoreAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = new MySqlCommand(sql, connection);
        Add(command, "@limit", _pruneBatchSize);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<MySqlConnection> OpenWithSchemaAsync(CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        return await OpenAsync(cancellationToken).ConfigureAwait(false);
    }

    // Not cancellable, so the lock never stays with a connection that goes back to the pool. When the connection broke
    // (the reason the pass or the creation failed, which must not be masked), the server released the lock with it, and
    // a pooled connection is reset before anyone uses it again: the failure is logged, not thrown.
    private async Task ReleaseLockAsync(MySqlConnection connection, string unlock)
    {
        try
        {
            await ScalarAsync(connection, unlock, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (MySqlBackend.Instance.IsFailure(ex) || ex is InvalidOperationException)
        {
            Log.UnlockFailed(_logger, _commands.TableName, ex);
        }
    }

    // GET_LOCK and RELEASE_LOCK: 1, 0, or NULL (read as 0).
    private async Task<long> ScalarAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = new MySqlCommand(sql, connection);
        Add(command, "@table", _commands.TableName);
        var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return result is null or DBNull ? 0 : Convert.ToInt64(result, CultureInfo.InvariantCulture);
    }

    private async Task PruneLoopAsync(TimeSpan interval, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    var result = await PruneAsync(stopping).ConfigureAwait(false);
                    if (result.Acquired)
                    {
                        Log.Pruned(_logger, result.Deleted, result.Batches);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    // Background work has no caller to throw to: log, and the next interval tries again.
                    Log.PruneFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed: the loop ends.
        }
    }
}
