using System;
using System.Data;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Logging;

namespace SessionStores.SqlServer;

/// <content>Pruning of expired rows and logging.</content>
public sealed partial class SqlServerSessionStore
{
    /// <summary>Batches per pruning run; a run that reaches it is followed at once by another.</summary>
    private const int BatchesPerPruneRun = 50;

    /// <summary>
    /// Deletes expired rows now, in batches of <see cref="SqlServerSessionStoreOptions.PruneBatchSize"/>, at most 50
    /// batches. Only one instance prunes a table at a time; when another one holds the lock this returns
    /// <see langword="null"/> at once. The background pruner calls this every
    /// <see cref="SqlServerSessionStoreOptions.PruneInterval"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The number of rows deleted, or <see langword="null"/> when another instance was pruning.</returns>
    public Task<int?> PruneExpiredAsync(CancellationToken cancellationToken = default) =>
        // Not under OperationTimeout: a pass runs many batches, each bounded by CommandTimeout.
        RunCoreAsync("prune", async (connection, ct) =>
        {
            var parameters = new DynamicParameters();
            parameters.Add("LockResource", _sql.LockResource("prune"), DbType.String, size: 255);
            parameters.Add("BatchSize", _batchSize, DbType.Int32);
            parameters.Add("MaxRows", _batchSize * BatchesPerPruneRun, DbType.Int32);
            int deleted;
            try
            {
                deleted = await connection.ExecuteScalarAsync<int>(Command(_sql.Prune, parameters, ct)).ConfigureAwait(false);
            }
            catch (Exception ex) when (connection.State == ConnectionState.Open)
            {
                await ReleasePruneLockAsync(connection, parameters, ex).ConfigureAwait(false);
                throw;
            }

            return deleted switch
            {
                -1 => (int?)null,
                < 0 => throw new SessionStoreException($"SQL Server did not grant the pruning lock of {_sql.Table} (sp_getapplock returned {deleted}).", null, isTransient: true),
                _ => deleted,
            };
        }, ensureSchema: _createTable, cancellationToken);

    /// <summary>Releases the pruning lock a failed run may still hold on this (pooled) connection; a failure here is
    /// logged, and the original failure is what the caller sees.</summary>
    private async Task ReleasePruneLockAsync(SqlConnection connection, DynamicParameters parameters, Exception original)
    {
        try
        {
            await connection.ExecuteAsync(Command(_sql.ReleasePruneLock, parameters, CancellationToken.None)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SqlException or InvalidOperationException or TimeoutException)
        {
            Log.PruneLockReleaseFailed(_logger, _sql.Table, original.GetType().Name, ex);
        }
    }

    private async Task PruneLoopAsync(TimeSpan interval, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                int? deleted;
                do
                {
                    deleted = await PruneOnceLoggedAsync(stopping).ConfigureAwait(false);
                }
                while (deleted >= _batchSize * BatchesPerPruneRun && !stopping.IsCancellationRequested);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed: the loop ends.
        }
    }

    private async Task<int?> PruneOnceLoggedAsync(CancellationToken stopping)
    {
        try
        {
            var deleted = await PruneExpiredAsync(stopping).ConfigureAwait(false);
            if (deleted is null)
            {
                Log.PruneSkipped(_logger, _sql.Table);
            }
            else if (deleted > 0)
            {
                Log.Pruned(_logger, deleted.Value, _sql.Table);
            }

            return deleted;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            // Background work has no caller to throw to: log, and the next interval retries.
            Log.PruneFailed(_logger, _sql.Table, ex);
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Pruned {Count} expired sessions from {Table}")]
        public static partial void Pruned(ILogger logger, int count, string table);

        [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Skipped pruning {Table}: another instance holds the pruning lock")]
        public static partial void PruneSkipped(ILogger logger, string table);

        [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Pruning expired sessions from {Table} failed; the next interval retries")]
        public static partial void PruneFailed(ILogger logger, string table, Exception exception);

        [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Releasing the pruning lock of {Table} after a failed run ({Failure}) failed; the lock ends with the connection")]
        public static partial void PruneLockReleaseFailed(ILogger logger, string table, string failure, Exception exception);

        [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "A concurrent first write of session {Id} won the insert (SQL Server error {ErrorNumber}); the upsert was retried as an update")]
        public static partial void UpsertRetried(ILogger logger, string id, int errorNumber);
    }
}
