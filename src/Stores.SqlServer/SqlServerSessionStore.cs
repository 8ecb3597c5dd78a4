using System;
using System.Data;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SessionStores.SqlServer.Internal;
using static SessionStores.SqlServer.Internal.SqlServerCodec;
using static SessionStores.SqlServer.Internal.SqlServerCommands;

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
    private readonly SqlServerCommands _sql;
    private readonly Func<SqlConnection> _connect;
    private readonly int _maxDataBytes;
    private readonly int _commandTimeoutSeconds;
    private readonly ILogger _logger;
    private readonly SessionStoreOperationRunner _runner;

    /// <summary>Creates a store. When <see cref="SqlServerSessionStoreOptions.PruneInterval"/> is set it starts the
    /// background pruner, which disposing the store stops.</summary>
    /// <param name="options">The options.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentException">The options are incomplete or invalid.</exception>
    public SqlServerSessionStore(SqlServerSessionStoreOptions options, ILogger<SqlServerSessionStore>? logger = null)
    {
        SqlServerSessionStoreOptionsValidator.Instance.ThrowIfInvalid(options, nameof(options));
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _runner = new SessionStoreOperationRunner(SqlServerBackend.Instance, options.OperationTimeout, _logger);
        _sql = new SqlServerCommands(options.SchemaName, options.TableName);
        var connectionString = options.ConnectionString;
        _connect = options.ConnectionFactory ?? (() => new SqlConnection(connectionString));
        _maxDataBytes = options.MaxDataBytes;
        _commandTimeoutSeconds = (int)Math.Ceiling(options.CommandTimeout.TotalSeconds);
        _batchSize = options.PruneBatchSize;
        _schemaName = options.SchemaName;
        _createSchema = options.CreateSchemaIfMissing;
        _schema = new SessionStoreInitializer(CreateSchemaAsync);
        _pruneLoop = options.PruneInterval is { } interval ? Task.Run(() => PruneLoopAsync(interval, _stopping.Token)) : Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return _runner.RunAsync(SessionStoreOperationNames.Get, (Store: this, Id: id), static (s, ct) => s.Store.GetCoreAsync(s.Id, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        var parameters = IdParameters(id);
        AddTtl(parameters, ttl);
        return _runner.RunAsync(
            SessionStoreOperationNames.GetAndTouch, (Store: this, Parameters: parameters), static (s, ct) => s.Store.GetAndTouchCoreAsync(s.Parameters, ct), cancellationToken);
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

        return _runner.RunAsync(
            SessionStoreOperationNames.Set,
            (Store: this, Id: id, Statement: statement, Parameters: parameters, write.ExpectedVersion),
            static (s, ct) => s.Store.SetCoreAsync(s.Id, s.Statement, s.Parameters, s.ExpectedVersion, ct),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        var parameters = IdParameters(id);
        AddTtl(parameters, ttl);
        return _runner.RunAsync(
            SessionStoreOperationNames.Touch, (Store: this, Id: id, Parameters: parameters), static (s, ct) => s.Store.TouchCoreAsync(s.Id, s.Parameters, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return _runner.RunAsync(SessionStoreOperationNames.Destroy, (Store: this, Id: id), static (s, ct) => s.Store.DestroyCoreAsync(s.Id, ct), cancellationToken);
    }

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

    private async Task<SessionRecord?> GetCoreAsync(string id, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var row = await connection.QuerySingleOrDefaultAsync<RecordRow>(Command(_sql.Get, IdParameters(id), cancellationToken)).ConfigureAwait(false);
            return row?.ToRecord();
        }
    }

    private async Task<SessionRecord?> GetAndTouchCoreAsync(DynamicParameters parameters, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // One UPDATE … OUTPUT: the read and the new expiry in one statement.
            var row = await connection.QuerySingleOrDefaultAsync<RecordRow>(Command(_sql.GetAndTouch, parameters, cancellationToken)).ConfigureAwait(false);
            return row?.ToRecord();
        }
    }

    private async Task<SessionSetResult> SetCoreAsync(string id, string statement, DynamicParameters parameters, long? expectedVersion, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            SetRow? row;
            try
            {
                row = await ReadSetOutcomeAsync(connection, Command(statement, parameters, cancellationToken)).ConfigureAwait(false);
            }
            catch (SqlException ex) when (IsDuplicateKey(ex) && expectedVersion is null)
            {
                // The range lock makes this unreachable on SQL Server; should a deployment differ (for example a
                // replica that rewrites hints), the lost insert is retried once as an update, never dropped.
                // Not the exception: SQL Server's duplicate-key message quotes the key, which is the session id.
                Log.UpsertRetried(_logger, SessionValidation.Tag(id), ex.Number);
                row = await ReadSetOutcomeAsync(connection, Command(statement, parameters, cancellationToken)).ConfigureAwait(false);
            }

            return row switch
            {
                { Written: true } => SessionSetResult.Success(row.Version),
                { Written: false, Version: < 1 } => throw new SessionDataCorruptedException(id, $"the version is {row.Version}, not 1 or more"),
                { Written: false } => SessionSetResult.Conflict(row.Version),
                null when expectedVersion is not null => SessionSetResult.Conflict(0),
                null => throw new SessionStoreException($"The SQL Server upsert of session {SessionValidation.Tag(id)} returned no row.", null, isTransient: true),
            };
        }
    }

    private async Task<bool> TouchCoreAsync(string id, DynamicParameters parameters, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var version = await connection.QuerySingleOrDefaultAsync<long?>(Command(_sql.Touch, parameters, cancellationToken)).ConfigureAwait(false);
            return version switch
            {
                null => false,
                < 1 => throw new SessionDataCorruptedException(id, $"the version is {version}, not 1 or more"),
                _ => true,
            };
        }
    }

    private async Task<bool> DestroyCoreAsync(string id, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.QuerySingleOrDefaultAsync<bool?>(Command(_sql.Destroy, IdParameters(id), cancellationToken)).ConfigureAwait(false) == true;
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

    /// <summary>A pooled connection, opened, after the first-use schema creation (unless turned off). A failure to open
    /// is marked as such (<see cref="SqlServerConnectException"/>): a server that cannot be reached may be back later,
    /// a refused login will not (see <see cref="SqlServerBackend"/>).</summary>
    private async Task<SqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_createSchema)
        {
            await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        }

        return await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<SqlConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = _connect();
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new SqlServerConnectException(ex);
        }
    }

    private CommandDefinition Command(string statement, DynamicParameters parameters, CancellationToken cancellationToken) =>
        new(statement, parameters, commandTimeout: _commandTimeoutSeconds, cancellationToken: cancellationToken);
}
