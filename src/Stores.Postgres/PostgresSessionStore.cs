using System;
using System.Data.Common;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using SessionStores.Postgres.Internal;

namespace SessionStores.Postgres;

/// <summary>
/// A session store in a PostgreSQL table, on Npgsql: durable, one round trip per operation, with expiry decided by the
/// database clock.
/// </summary>
/// <remarks>
/// <para>Each operation is one statement (a compare-and-set is a conditional write plus a read of the current
/// version, sent together as one batch: one round trip, one implicit transaction), except
/// <see cref="DestroyManyAsync"/>, which deletes in statements of at most 1,000 rows. Expired rows are invisible to every
/// operation at once; a background pruner deletes them in bounded batches, one instance at a time (advisory lock
/// <see cref="PruneLockKey"/>).</para>
/// <para>The table is created on first use when missing (see <see cref="PostgresSessionStoreOptions.CreateSchemaIfMissing"/>),
/// or by a DBA with <see cref="GenerateSchemaScript"/>. Dispose the store to stop the pruner and, when it built one
/// from a connection string, close its connection pool.</para>
/// </remarks>
public sealed partial class PostgresSessionStore : ISessionStore, IAsyncDisposable, IDisposable
{
    private const string DbSystem = "postgresql";

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly PostgresSql _sql;
    private readonly ILogger _logger;
    private readonly int _maxDataBytes;
    private readonly long _touchThresholdMs;
    private readonly SessionStoreOperationRunner _runner;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The options; <see cref="PostgresSessionStoreOptions.ConnectionString"/> or
    /// <see cref="PostgresSessionStoreOptions.DataSource"/> is required.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public PostgresSessionStore(PostgresSessionStoreOptions options, ILogger<PostgresSessionStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var error = PostgresSessionStoreOptionsValidation.Validate(options);
        if (error is not null)
        {
            throw new ArgumentException(error, nameof(options));
        }

        if (options.DataSource is not null)
        {
            _dataSource = options.DataSource;
        }
        else
        {
            _dataSource = NpgsqlDataSource.Create(PostgresTimeouts.Apply(options.ConnectionString!, options.OperationTimeout));
            _ownsDataSource = true;
        }

        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _runner = new SessionStoreOperationRunner("PostgreSQL", options.OperationTimeout, _logger);
        _sql = new PostgresSql(options.SchemaName, options.TableName);
        _maxDataBytes = options.MaxDataBytes;
        _touchThresholdMs = (long)Math.Ceiling(options.TouchWriteThreshold.TotalMilliseconds);
        _schemaName = options.SchemaName;
        _tableName = options.TableName;
        _createSchema = options.CreateSchemaIfMissing;
        _unlogged = options.UnloggedTable;
        _pruneBatchSize = options.PruneBatchSize;
        _pruneBatchDelay = options.PruneBatchDelay;
        PruneLockKey = LockKeys.For("prune", _sql.Table);
        if (options.EnablePruning)
        {
            _pruneLoop = RunPruneLoopAsync(options.PruneInterval, _disposed.Token);
        }
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _runner.RunAsync("Get", (Store: this, Id: id), static (s, ct) => s.Store.GetCoreAsync(s.Id, ct), cancellationToken);

    private async Task<SessionRecord?> GetCoreAsync(string id, CancellationToken cancellationToken)
    {
        SessionValidation.ValidateId(id);
        var operation = SessionStoreOperation.Start(DbSystem, "get");
        try
        {
            await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            var command = _dataSource.CreateCommand(_sql.Get);
            await using var commandScope = command.ConfigureAwait(false);
            command.Parameters.Add(Text(id));
            var record = await ReadRecordAsync(command, id, cancellationToken).ConfigureAwait(false);
            operation.Complete();
            return record;
        }
        catch (Exception ex)
        {
            throw Failure(ref operation, ex, "Get", id, cancellationToken);
        }
    }

    /// <inheritdoc />
    /// <remarks>One <c>UPDATE … RETURNING</c>. With <see cref="PostgresSessionStoreOptions.TouchWriteThreshold"/> set,
    /// the row is rewritten only when the expiry moves by at least the threshold, and the returned expiry is the stored
    /// one.</remarks>
    public Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        _runner.RunAsync("GetAndTouch", (Store: this, Id: id, Ttl: ttl), static (s, ct) => s.Store.GetAndTouchCoreAsync(s.Id, s.Ttl, ct), cancellationToken);

    private async Task<SessionRecord?> GetAndTouchCoreAsync(string id, TimeSpan ttl, CancellationToken cancellationToken)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        var operation = SessionStoreOperation.Start(DbSystem, "get_and_touch");
        try
        {
            await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            var command = _dataSource.CreateCommand(_touchThresholdMs > 0 ? _sql.GetAndTouchWithThreshold : _sql.GetAndTouch);
            await using var commandScope = command.ConfigureAwait(false);
            AddTouchParameters(command.Parameters, id, ttl);
            var record = await ReadRecordAsync(command, id, cancellationToken).ConfigureAwait(false);
            operation.Complete();
            return record;
        }
        catch (Exception ex)
        {
            throw Failure(ref operation, ex, "GetAndTouch", id, cancellationToken);
        }
    }

    /// <inheritdoc />
    /// <remarks>An unconditional write is one <c>INSERT … ON CONFLICT DO UPDATE</c>. A compare-and-set is one
    /// conditional write plus a read of the current version, sent as one batch (one round trip, one transaction), so a
    /// conflict reports the version that caused it.</remarks>
    public Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default) =>
        _runner.RunAsync("Set", (Store: this, Id: id, Write: write), static (s, ct) => s.Store.SetCoreAsync(s.Id, s.Write, ct), cancellationToken);

    private async Task<SessionSetResult> SetCoreAsync(string id, SessionWrite write, CancellationToken cancellationToken)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateWrite(write, _maxDataBytes);
        var operation = SessionStoreOperation.Start(DbSystem, "set");
        try
        {
            await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            var result = write.ExpectedVersion is { } expected
                ? await CompareAndSetAsync(id, write, expected, cancellationToken).ConfigureAwait(false)
                : await UpsertAsync(id, write, cancellationToken).ConfigureAwait(false);
            operation.Complete();
            return result;
        }
        catch (Exception ex)
        {
            throw Failure(ref operation, ex, "Set", id, cancellationToken);
        }
    }

    /// <inheritdoc />
    /// <remarks>One <c>UPDATE</c> of the expiry column only. See <see cref="PostgresSessionStoreOptions.TouchWriteThreshold"/>.</remarks>
    public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        _runner.RunAsync("Touch", (Store: this, Id: id, Ttl: ttl), static (s, ct) => s.Store.TouchCoreAsync(s.Id, s.Ttl, ct), cancellationToken);

    private async Task<bool> TouchCoreAsync(string id, TimeSpan ttl, CancellationToken cancellationToken)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        var operation = SessionStoreOperation.Start(DbSystem, "touch");
        try
        {
            await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            var command = _dataSource.CreateCommand(_touchThresholdMs > 0 ? _sql.TouchWithThreshold : _sql.Touch);
            await using var commandScope = command.ConfigureAwait(false);
            AddTouchParameters(command.Parameters, id, ttl);
            var version = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            var touched = version is long v && CheckVersion(id, v) > 0;
            operation.Complete();
            return touched;
        }
        catch (Exception ex)
        {
            throw Failure(ref operation, ex, "Touch", id, cancellationToken);
        }
    }

    /// <inheritdoc />
    public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default) =>
        _runner.RunAsync("Destroy", (Store: this, Id: id), static (s, ct) => s.Store.DestroyCoreAsync(s.Id, ct), cancellationToken);

    private async Task<bool> DestroyCoreAsync(string id, CancellationToken cancellationToken)
    {
        SessionValidation.ValidateId(id);
        var operation = SessionStoreOperation.Start(DbSystem, "destroy");
        try
        {
            await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            var command = _dataSource.CreateCommand(_sql.Destroy);
            await using var commandScope = command.ConfigureAwait(false);
            command.Parameters.Add(Text(id));
            var wasLive = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
            operation.Complete();
            return wasLive;
        }
        catch (Exception ex)
        {
            throw Failure(ref operation, ex, "Destroy", id, cancellationToken);
        }
    }

    private async Task<SessionSetResult> UpsertAsync(string id, SessionWrite write, CancellationToken cancellationToken)
    {
        var command = _dataSource.CreateCommand(_sql.SetUnconditional);
        await using var commandScope = command.ConfigureAwait(false);
        AddWriteParameters(command.Parameters, id, write);
        var version = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return SessionSetResult.Success(version);
    }

    private async Task<SessionSetResult> CompareAndSetAsync(string id, SessionWrite write, long expected, CancellationToken cancellationToken)
    {
        var batch = _dataSource.CreateBatch();
        await using var batchScope = batch.ConfigureAwait(false);
        var conditional = new NpgsqlBatchCommand(expected == 0 ? _sql.SetCreateOnly : _sql.SetIfVersion);
        AddWriteParameters(conditional.Parameters, id, write);
        if (expected != 0)
        {
            conditional.Parameters.Add(new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlDbType.Bigint, TypedValue = expected });
        }

        var current = new NpgsqlBatchCommand(_sql.CurrentVersion);
        current.Parameters.Add(Text(id));
        batch.BatchCommands.Add(conditional);
        batch.BatchCommands.Add(current);

        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return SessionSetResult.Success(reader.GetInt64(0));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var live = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? CheckVersion(id, reader.GetInt64(0)) : 0;
        return SessionSetResult.Conflict(live);
    }

    private static async Task<SessionRecord?> ReadRecordAsync(NpgsqlCommand command, string id, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var version = CheckVersion(id, reader.GetInt64(1));
        return new SessionRecord(
            id,
            reader.GetFieldValue<byte[]>(0),
            version,
            reader.GetFieldValue<DateTimeOffset>(2),
            reader.GetFieldValue<DateTimeOffset>(3),
            reader.IsDBNull(4) ? null : reader.GetString(4));
    }

    // Every version this store writes is 1 or more; anything else was written behind its back.
    private static long CheckVersion(string id, long version) =>
        version >= 1 ? version : throw new SessionDataCorruptedException(id, $"its version is {version}, and versions start at 1");

    private static NpgsqlParameter<string> Text(string value) => new() { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = value };

    private void AddTouchParameters(NpgsqlParameterCollection parameters, string id, TimeSpan ttl)
    {
        parameters.Add(Text(id));
        parameters.Add(new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlDbType.Bigint, TypedValue = SessionValidation.ToMilliseconds(ttl) });
        if (_touchThresholdMs > 0)
        {
            parameters.Add(new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlDbType.Bigint, TypedValue = _touchThresholdMs });
        }
    }

    private static void AddWriteParameters(NpgsqlParameterCollection parameters, string id, in SessionWrite write)
    {
        parameters.Add(Text(id));
        parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { NpgsqlDbType = NpgsqlDbType.Bytea, TypedValue = write.Data });
        parameters.Add(new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlDbType.Bigint, TypedValue = SessionValidation.ToMilliseconds(write.Ttl) });
        parameters.Add(write.Subject is null
            ? new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = DBNull.Value }
            : Text(write.Subject));
    }

    // Driver and network failures become SessionStoreException. Cancellation by the caller stays an
    // OperationCanceledException; a cancellation the caller did not ask for (a timeout inside the driver) is a failure.
    private static bool IsBackendFailure(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        SessionStoreException => false,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        DbException or TimeoutException or System.IO.IOException or System.Net.Sockets.SocketException => true,
        _ => false,
    };

    /// <summary>What a backend failure throws: the contract's shared rule (<see cref="SessionStoreErrors.ToThrow"/>), a
    /// cancellation once the caller's token is cancelled, otherwise the wrapped failure.</summary>
    private static Exception Fail(Exception ex, string operation, string? id, CancellationToken cancellationToken) =>
        SessionStoreErrors.ToThrow(ex, cancellationToken, (Operation: operation, Id: id), static (s, e) => Wrap(e, s.Operation, s.Id));

    /// <summary>The error rule of every measured operation: the failure is recorded as it was thrown; a backend failure
    /// is returned for the caller to throw (see <see cref="Fail"/>); anything else (argument errors, cancellation,
    /// corrupt data, bugs) is rethrown as is.</summary>
    private static Exception Failure(ref SessionStoreOperation operation, Exception ex, string name, string? id, CancellationToken cancellationToken)
    {
        operation.Fail(ex);
        if (!IsBackendFailure(ex, cancellationToken))
        {
            ExceptionDispatchInfo.Throw(ex);
        }

        return Fail(ex, name, id, cancellationToken);
    }

    private static SessionStoreException Wrap(Exception ex, string operation, string? id)
    {
        var transient = ex switch
        {
            NpgsqlException npgsql => npgsql.IsTransient,
            DbException db => db.IsTransient,
            _ => true,
        };
        var target = id is null ? string.Empty : $" of session {SessionValidation.Tag(id)}";
        return new SessionStoreException($"PostgreSQL session store: {operation}{target} failed: {ex.Message}", ex, transient);
    }
}
