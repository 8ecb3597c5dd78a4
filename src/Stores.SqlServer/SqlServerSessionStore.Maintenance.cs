using System;
using System.Data;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Data.SqlClient;
using SessionStores.SqlServer.Internal;

namespace SessionStores.SqlServer;

/// <content>What the table needs first and over time: the schema, created once before the first operation (a
/// <see cref="SessionStoreInitializer"/>), and pruning of expired rows, on demand and in the background.</content>
public sealed partial class SqlServerSessionStore
{
    /// <summary>Batches per pruning run; a run that reaches it is followed at once by another.</summary>
    private const int BatchesPerPruneRun = 50;

    private readonly string _schemaName;
    private readonly bool _createSchema;
    private readonly SessionStoreInitializer _schema;
    private readonly int _batchSize;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _pruneLoop;

    /// <summary>
    /// The T-SQL a DBA runs to create the schema, table and indexes when the application's login may not run DDL
    /// (<see cref="SqlServerSessionStoreOptions.CreateSchemaIfMissing"/> = <see langword="false"/>): exactly what the
    /// store runs itself, safe to run more than once and while instances start. The package also ships it for the
    /// defaults as <c>sql/create-session-table.sql</c>.
    /// </summary>
    /// <param name="schemaName">The schema name (<see cref="SqlServerSessionStoreOptions.SchemaName"/>).</param>
    /// <param name="tableName">The table name (<see cref="SqlServerSessionStoreOptions.TableName"/>).</param>
    /// <returns>The script.</returns>
    /// <exception cref="ArgumentException">A name is not a valid identifier.</exception>
    public static string GenerateSchemaScript(string schemaName = "dbo", string tableName = "Sessions")
    {
        if (SqlIdentifier.Problem(schemaName, SqlIdentifier.MaxSchemaNameLength, nameof(schemaName)) is { } schemaProblem)
        {
            throw new ArgumentException(schemaProblem, nameof(schemaName));
        }

        if (SqlIdentifier.Problem(tableName, SqlIdentifier.MaxTableNameLength, nameof(tableName)) is { } tableProblem)
        {
            throw new ArgumentException(tableProblem, nameof(tableName));
        }

        return new SqlServerCommands(schemaName, tableName).Script(schemaName);
    }

    /// <summary>
    /// Creates the schema, table and indexes when they are missing. Safe to call from several instances at once. The
    /// store does it before its first operation unless <see cref="SqlServerSessionStoreOptions.CreateSchemaIfMissing"/>
    /// is off; call it at start-up to fail fast. Once it has succeeded, later calls return at once.
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the table exists.</returns>
    public Task EnsureSchemaAsync(CancellationToken cancellationToken = default) =>
        _runner.RunAsync(SessionStoreOperationNames.CreateSchema, _schema, static (schema, ct) => schema.EnsureAsync(ct), cancellationToken);

    /// <summary>
    /// Deletes expired rows now, in batches of <see cref="SqlServerSessionStoreOptions.PruneBatchSize"/>, at most 50
    /// batches. Only one instance prunes a table at a time; when another one holds the lock this returns at once with
    /// <see cref="SqlServerPruneResult.Acquired"/> <see langword="false"/>. The background pruner calls this every
    /// <see cref="SqlServerSessionStoreOptions.PruneInterval"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What the pass did.</returns>
    public Task<SqlServerPruneResult> PruneAsync(CancellationToken cancellationToken = default) =>
        _runner.RunStepsAsync(SessionStoreOperationNames.Prune, this, static (store, deadline) =>
        {
            // Not under OperationTimeout: one pass runs many batches in one statement, bounded by CommandTimeout.
            deadline.Suspend();
            return store.PruneCoreAsync(deadline.Token);
        }, cancellationToken);

    private async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var parameters = new DynamicParameters();
            parameters.Add("LockResource", _sql.LockResource("schema"), DbType.String, size: 255);
            parameters.Add("SchemaName", _schemaName, DbType.String, size: 128);
            parameters.Add("QualifiedName", _sql.Table, DbType.String, size: 600);
            await connection.ExecuteAsync(Command(_sql.EnsureSchema, parameters, cancellationToken)).ConfigureAwait(false);
        }
    }

    private async Task<SqlServerPruneResult> PruneCoreAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var parameters = new DynamicParameters();
            parameters.Add("LockResource", _sql.LockResource("prune"), DbType.String, size: 255);
            parameters.Add("BatchSize", _batchSize, DbType.Int32);
            parameters.Add("MaxRows", _batchSize * BatchesPerPruneRun, DbType.Int32);
            int deleted;
            try
            {
                deleted = await connection.ExecuteScalarAsync<int>(Command(_sql.Prune, parameters, cancellationToken)).ConfigureAwait(false);
            }
            catch (Exception ex) when (connection.State == ConnectionState.Open)
            {
                await ReleasePruneLockAsync(connection, parameters, ex).ConfigureAwait(false);
                throw;
            }

            return deleted switch
            {
                -1 => new SqlServerPruneResult(Acquired: false, Deleted: 0),
                < 0 => throw new SessionStoreException($"SQL Server did not grant the pruning lock of {_sql.Table} (sp_getapplock returned {deleted}).", null, isTransient: true),
                _ => new SqlServerPruneResult(Acquired: true, Deleted: deleted),
            };
        }
    }

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
                SqlServerPruneResult? result;
                do
                {
                    result = await PruneOnceLoggedAsync(stopping).ConfigureAwait(false);
                }
                while (result?.Deleted >= _batchSize * BatchesPerPruneRun && !stopping.IsCancellationRequested);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed: the loop ends.
        }
    }

    private async Task<SqlServerPruneResult?> PruneOnceLoggedAsync(CancellationToken stopping)
    {
        try
        {
            var result = await PruneAsync(stopping).ConfigureAwait(false);
            if (!result.Acquired)
            {
                Log.PruneSkipped(_logger, _sql.Table);
            }
            else if (result.Deleted > 0)
            {
                Log.Pruned(_logger, result.Deleted, _sql.Table);
            }

            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            // Background work has no caller to throw to: log, and the next interval retries.
            Log.PruneFailed(_logger, _sql.Table, ex);
            return null;
        }
    }
}
