using System;
using System.Collections.Generic;
using System.Data;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SessionStores.SqlServer.Internal;

namespace SessionStores.SqlServer;

/// <summary>
/// A session store in a SQL Server table: one row per session, expiry decided by the server's clock, one round trip per
/// operation, race-free first writes, and pruning by one instance at a time in bounded batches.
/// </summary>
/// <remarks>
/// <para>The table has a binary-collation <c>varchar(256)</c> key, <c>varbinary(max)</c> data, <c>datetime2(3)</c>
/// UTC expiry and creation times taken from <c>SYSUTCDATETIME()</c>, a <c>bigint</c> version and an
/// <c>nvarchar(256)</c> subject, with indexes on the expiry and on (subject, id). Every read compares the expiry with
/// the server's clock, so an expired row is absent at once, whenever pruning runs.</para>
/// <para>Works on SQL Server 2016 and later and Azure SQL. The table must have no triggers (the statements use
/// <c>OUTPUT</c> without <c>INTO</c>).</para>
/// </remarks>
public sealed partial class SqlServerSessionStore : ISessionStore, IAsyncDisposable, IDisposable
{
    /// <summary>The <c>db.system.name</c> of this store's telemetry.</summary>
    private const string SystemName = "microsoft.sql_server";

    private const int DayMilliseconds = 86_400_000;

    private readonly SqlServerStatements _sql;
    private readonly Func<SqlConnection> _connect;
    private readonly string _schemaName;
    private readonly int _maxDataBytes;
    private readonly int _commandTimeoutSeconds;
    private readonly int _batchSize;
    private readonly bool _createTable;
    private readonly ILogger _logger;
    private readonly object _schemaGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _pruneLoop;
    private Task? _schema;

    /// <summary>Creates a store. When <see cref="SqlServerSessionStoreOptions.PruneInterval"/> is set it starts the
    /// background pruner, which disposing the store stops.</summary>
    /// <param name="options">The options.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentException">The options are incomplete or invalid.</exception>
    public SqlServerSessionStore(SqlServerSessionStoreOptions options, ILogger<SqlServerSessionStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (SqlServerOptionsCheck.Problem(options) is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        _logger = logger ?? (ILogger)NullLogger.Instance;
        _sql = new SqlServerStatements(options.SchemaName, options.TableName);
        _schemaName = options.SchemaName;
        var connectionString = options.ConnectionString;
        _connect = options.ConnectionFactory ?? (() => new SqlConnection(connectionString));
        _maxDataBytes = options.MaxDataBytes;
        _commandTimeoutSeconds = (int)Math.Ceiling(options.CommandTimeout.TotalSeconds);
        _batchSize = options.PruneBatchSize;
        _createTable = options.CreateTableIfMissing;
        _pruneLoop = options.PruneInterval is { } interval ? Task.Run(() => PruneLoopAsync(interval, _stopping.Token)) : Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return RunAsync("get", async (connection, ct) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<RecordRow>(Command(_sql.Get, IdParameters(id), ct)).ConfigureAwait(false);
            return row?.ToRecord();
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        var parameters = IdParameters(id);
        AddTtl(parameters, ttl);
        return RunAsync("get_and_touch", async (connection, ct) =>
        {
            // One UPDATE … OUTPUT: the read and the new expiry in one statement.
            var row = await connection.QuerySingleOrDefaultAsync<RecordRow>(Command(_sql.GetAndTouch, parameters, ct)).ConfigureAwait(false);
            return row?.ToRecord();
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateWrite(write, _maxDataBytes);
        var parameters = IdParameters(id);
        AddTtl(parameters, write.Ttl);
        parameters.Add("Data", write.Data.ToArray(), DbType.Binary, size: -1);
        parameters.Add("Subject", write.Subject, DbType.String, size: 256);
        string statement;
        switch (write.ExpectedVersion)
        {
            case null:
                statement = _sql.Upsert;
                break;
            case 0:
                statement = _sql.CreateOnly;
                break;
            case { } expected:
                statement = _sql.CompareAndSet;
                parameters.Add("ExpectedVersion", expected, DbType.Int64);
                break;
        }

        return RunAsync("set", async (connection, ct) =>
        {
            SetRow? row;
            try
            {
                row = await ReadSetOutcomeAsync(connection, Command(statement, parameters, ct)).ConfigureAwait(false);
            }
            catch (SqlException ex) when (SqlServerErrors.IsDuplicateKey(ex) && write.ExpectedVersion is null)
            {
                // The range lock makes this unreachable on SQL Server; should a deployment differ (for example a
                // replica that rewrites hints), the lost insert is retried once as an update, never dropped.
                Log.UpsertRetried(_logger, SessionValidation.Tag(id), ex);
                row = await ReadSetOutcomeAsync(connection, Command(statement, parameters, ct)).ConfigureAwait(false);
            }

            return row switch
            {
                { Written: true } => SessionSetResult.Success(row.Version),
                { Written: false, Version: < 1 } => throw new SessionDataCorruptedException(id, $"the version is {row.Version}, not 1 or more"),
                { Written: false } => SessionSetResult.Conflict(row.Version),
                null when write.ExpectedVersion is not null => SessionSetResult.Conflict(0),
                null => throw new SessionStoreException($"The SQL Server upsert of session {SessionValidation.Tag(id)} returned no row.", null, isTransient: true),
            };
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        var parameters = IdParameters(id);
        AddTtl(parameters, ttl);
        return RunAsync("touch", async (connection, ct) =>
        {
            var version = await connection.QuerySingleOrDefaultAsync<long?>(Command(_sql.Touch, parameters, ct)).ConfigureAwait(false);
            return version switch
            {
                null => false,
                < 1 => throw new SessionDataCorruptedException(id, $"the version is {version}, not 1 or more"),
                _ => true,
            };
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return RunAsync("destroy", async (connection, ct) =>
            await connection.QuerySingleOrDefaultAsync<bool?>(Command(_sql.Destroy, IdParameters(id), ct)).ConfigureAwait(false) == true,
            cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        return ListCoreAsync(query, cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        var parameters = SubjectParameters(query.Subject);
        var statement = query.Subject is null ? _sql.Count : _sql.CountForSubject;
        return RunAsync("count", (connection, ct) => connection.ExecuteScalarAsync<long>(Command(statement, parameters, ct)), cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        var parameters = SubjectParameters(query.Subject);
        parameters.Add("BatchSize", _batchSize, DbType.Int32);
        var statement = query.Subject is null ? _sql.DestroyManyBatch : _sql.DestroyManyBatchForSubject;
        return RunAsync("destroy_many", async (connection, ct) =>
        {
            // Bounded batches, each its own short transaction, so a large namespace never locks the whole table.
            long live = 0;
            DestroyManyRow batch;
            do
            {
                batch = await connection.QuerySingleAsync<DestroyManyRow>(Command(statement, parameters, ct)).ConfigureAwait(false);
                live += batch.Live;
            }
            while (batch.Deleted >= _batchSize);
            return live;
        }, cancellationToken);
    }

    /// <summary>
    /// Creates the schema, table and indexes when they are missing. Safe to call from several instances at once. The
    /// store calls it before its first operation unless <see cref="SqlServerSessionStoreOptions.CreateTableIfMissing"/>
    /// is off; call it at start-up to fail fast.
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the table exists.</returns>
    public Task EnsureSchemaAsync(CancellationToken cancellationToken = default) =>
        RunCoreAsync("ensure_schema", async (connection, ct) =>
        {
            var parameters = new DynamicParameters();
            parameters.Add("LockResource", _sql.LockResource("schema"), DbType.String, size: 255);
            parameters.Add("SchemaName", _schemaName, DbType.String, size: 128);
            parameters.Add("QualifiedName", _sql.Table, DbType.String, size: 600);
            await connection.ExecuteAsync(Command(_sql.EnsureSchema, parameters, ct)).ConfigureAwait(false);

            // Done once is done for this store: operations need not check again.
            _ = Interlocked.CompareExchange(ref _schema, Task.CompletedTask, null);
            return true;
        }, ensureSchema: false, cancellationToken);

    /// <summary>Stops the background pruner.</summary>
    /// <returns>A task that completes when the pruner has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        await _pruneLoop.ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>Signals the background pruner to stop (without waiting for a running batch to end).</summary>
    public void Dispose()
    {
        if (!_stopping.IsCancellationRequested)
        {
            _stopping.Cancel();
        }
    }

    private static async Task<SetRow?> ReadSetOutcomeAsync(SqlConnection connection, CommandDefinition command)
    {
        // The batch returns one OUTPUT result per statement that ran; exactly one of them holds the outcome row.
        using var results = await connection.QueryMultipleAsync(command).ConfigureAwait(false);
        SetRow? outcome = null;
        while (!results.IsConsumed)
        {
            outcome ??= await results.ReadSingleOrDefaultAsync<SetRow>().ConfigureAwait(false);
            if (outcome is not null)
            {
                break;
            }
        }

        return outcome;
    }

    private async IAsyncEnumerable<SessionInfo> ListCoreAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var statement = _sql.ListPage(query.Subject is not null, query.IncludeData);
        var after = string.Empty;
        while (true)
        {
            var parameters = SubjectParameters(query.Subject);
            parameters.Add("After", after, DbType.AnsiString, size: 256);
            parameters.Add("PageSize", query.PageSize, DbType.Int32);
            var page = await RunAsync("list", async (connection, ct) =>
                (List<InfoRow>)await connection.QueryAsync<InfoRow>(Command(statement, parameters, ct)).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
            foreach (var row in page)
            {
                after = row.Id;
                yield return row.ToInfo(query.IncludeData);
            }

            if (page.Count < query.PageSize)
            {
                yield break;
            }
        }
    }

    private CommandDefinition Command(string statement, DynamicParameters parameters, CancellationToken cancellationToken) =>
        new(statement, parameters, commandTimeout: _commandTimeoutSeconds, cancellationToken: cancellationToken);

    private static DynamicParameters IdParameters(string id)
    {
        var parameters = new DynamicParameters();
        parameters.Add("Id", id, DbType.AnsiString, size: 256);
        return parameters;
    }

    private static DynamicParameters SubjectParameters(string? subject)
    {
        var parameters = new DynamicParameters();
        if (subject is not null)
        {
            parameters.Add("Subject", subject, DbType.String, size: 256);
        }

        return parameters;
    }

    private static void AddTtl(DynamicParameters parameters, TimeSpan ttl)
    {
        var milliseconds = SessionValidation.ToMilliseconds(ttl);
        parameters.Add("TtlDays", (int)(milliseconds / DayMilliseconds), DbType.Int32);
        parameters.Add("TtlRemainderMs", (int)(milliseconds % DayMilliseconds), DbType.Int32);
    }

    private Task<T> RunAsync<T>(string operation, Func<SqlConnection, CancellationToken, Task<T>> action, CancellationToken cancellationToken) =>
        RunCoreAsync(operation, action, ensureSchema: _createTable, cancellationToken);

    private async Task<T> RunCoreAsync<T>(string operation, Func<SqlConnection, CancellationToken, Task<T>> action, bool ensureSchema, CancellationToken cancellationToken)
    {
        var telemetry = SessionStoreOperation.Start(SystemName, operation);
        try
        {
            if (ensureSchema)
            {
                await EnsureSchemaOnceAsync(cancellationToken).ConfigureAwait(false);
            }

            var connection = _connect();
            await using (connection.ConfigureAwait(false))
            {
                try
                {
                    await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not SessionStoreException)
                {
                    // A server that cannot be reached may be back later; a refused login or unknown database will not.
                    throw new SessionStoreException(
                        $"The SQL Server session store's '{operation}' could not connect: {ex.Message}", ex, SqlServerErrors.IsTransientConnectFailure(ex));
                }

                var result = await action(connection, cancellationToken).ConfigureAwait(false);
                telemetry.Complete();
                return result;
            }
        }
        catch (Exception ex)
        {
            telemetry.Fail(ex);
            throw SessionStoreErrors.ToThrow(ex, cancellationToken, operation, SqlServerErrors.Wrap);
        }
    }

    private Task EnsureSchemaOnceAsync(CancellationToken cancellationToken)
    {
        var task = Volatile.Read(ref _schema);
        if (task is null || task.IsFaulted || task.IsCanceled)
        {
            lock (_schemaGate)
            {
                // One creation shared by every caller (so not any one caller's token); a failed one is retried later.
                if (_schema is null || _schema.IsFaulted || _schema.IsCanceled)
                {
                    _schema = EnsureSchemaAsync(CancellationToken.None);
                }

                task = _schema;
            }
        }

        return task.IsCompletedSuccessfully ? Task.CompletedTask : task.WaitAsync(cancellationToken);
    }
}
