using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace SessionStores.Postgres;

// Pruning expired rows: bounded batches, one instance at a time, failures logged and never thrown into requests.
public sealed partial class PostgresSessionStore
{
    private readonly CancellationTokenSource _disposed = new();
    private readonly Task? _pruneLoop;
    private readonly int _pruneBatchSize;
    private readonly TimeSpan _pruneBatchDelay;

    /// <summary>
    /// The session-level advisory lock (<c>pg_try_advisory_lock(bigint)</c>) a pruning pass holds, derived from the
    /// quoted table name. A database-side job that prunes the same table should take it too.
    /// </summary>
    public long PruneLockKey { get; }

    /// <summary>
    /// Runs one pruning pass now (the background pruner does this every <see cref="PostgresSessionStoreOptions.PruneInterval"/>):
    /// unless another instance holds <see cref="PruneLockKey"/>, deletes expired rows in statements of at most
    /// <see cref="PostgresSessionStoreOptions.PruneBatchSize"/> rows until none are left. Rows a live request has
    /// locked are skipped, never waited for.
    /// </summary>
    /// <param name="cancellationToken">Stops the pass: a statement in flight or the pause between batches is cancelled; the
    /// rows of the batches already committed stay deleted.</param>
    /// <returns>Whether the lock was acquired, and how much was deleted in how many statements.</returns>
    /// <exception cref="SessionStoreException">The database failed.</exception>
    public async Task<PostgresPruneResult> PruneExpiredAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            if (!await AdvisoryLockAsync(connection, "SELECT pg_try_advisory_lock($1)", cancellationToken).ConfigureAwait(false))
            {
                Log.PruneSkipped(_logger, _sql.Table);
                return new PostgresPruneResult(false, 0, 0);
            }

            long deleted = 0;
            var batches = 0;
            try
            {
                var delete = new NpgsqlCommand(_sql.PruneBatch, connection);
                await using var deleteScope = delete.ConfigureAwait(false);
                var from = new NpgsqlParameter<DateTime> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc) };
                delete.Parameters.Add(from);
                delete.Parameters.Add(new NpgsqlParameter<int> { NpgsqlDbType = NpgsqlDbType.Integer, TypedValue = _pruneBatchSize });
                (deleted, batches) = await DeleteInBatchesAsync(
                    delete, from, _pruneBatchSize, _pruneBatchDelay, rows => Log.PruneBatch(_logger, (int)rows, _sql.Table), cancellationToken).ConfigureAwait(false);
                await PruneStaleLeasesAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await ReleasePruneLockAsync(connection).ConfigureAwait(false);
            }

            return new PostgresPruneResult(true, deleted, batches);
        }
        catch (Exception ex) when (IsBackendFailure(ex, cancellationToken))
        {
            throw Fail(ex, "PruneExpired", null, cancellationToken);
        }
    }

    private async Task<bool> AdvisoryLockAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlDbType.Bigint, TypedValue = PruneLockKey });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    private async Task ReleasePruneLockAsync(NpgsqlConnection connection)
    {
        try
        {
            // Not cancellable: the lock must not stay with the pooled connection. Should this fail, the connection is
            // broken, and the server drops its session locks with it.
            await AdvisoryLockAsync(connection, "SELECT pg_advisory_unlock($1)", CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            Log.UnlockFailed(_logger, _sql.Table, ex);
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
                    var result = await PruneExpiredAsync(stopping).ConfigureAwait(false);
                    if (result.Deleted > 0)
                    {
                        Log.Pruned(_logger, result.Deleted, result.Batches, _sql.Table);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    // Nobody awaits the pruner: its failures are logged, and the next tick tries again.
                    Log.PruneFailed(_logger, _sql.Table, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    /// <summary>Stops the pruner and, when the store created it, closes its connection pool.</summary>
    /// <returns>A task that completes when the pruner has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        if (_pruneLoop is not null)
        {
            await _pruneLoop.ConfigureAwait(false);
        }

        await LeaseListenerStoppedAsync().ConfigureAwait(false);

        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }

        // _schemaGate is left undisposed: it holds no wait handle, and an operation still creating the schema must be
        // able to release it.
        _disposed.Dispose();
    }

    /// <summary>Stops the pruner (without waiting for a running pass) and, when the store created it, closes its
    /// connection pool. Prefer <see cref="DisposeAsync"/>.</summary>
    public void Dispose()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        if (_ownsDataSource)
        {
            _dataSource.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Pruned {Count} expired sessions from {Table} in {Batches} statements")]
        public static partial void Pruned(ILogger logger, long count, int batches, string table);

        [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Pruning expired sessions from {Table} failed; the next pass retries")]
        public static partial void PruneFailed(ILogger logger, string table, Exception exception);

        [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Skipped pruning {Table}: another instance holds the pruning lock")]
        public static partial void PruneSkipped(ILogger logger, string table);

        [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Releasing an advisory lock for {Table} failed; the server releases it when the connection closes")]
        public static partial void UnlockFailed(ILogger logger, string table, Exception exception);

        [LoggerMessage(EventId = 6, Level = LogLevel.Trace, Message = "Pruning statement deleted {Count} expired sessions from {Table}")]
        public static partial void PruneBatch(ILogger logger, int count, string table);

        [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Session table {Table} is ready (schema version {Version})")]
        public static partial void SchemaEnsured(ILogger logger, string table, int version);
    }
}
