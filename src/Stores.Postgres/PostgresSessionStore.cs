using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using SessionStores.Postgres.Internal;
using static SessionStores.Postgres.Internal.PostgresCodec;

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
    private static readonly PostgresSessionStoreOptionsValidator Validator = new();

    private readonly NpgsqlDataSource _dataSource;

    // Connections that hold session state (advisory locks, LISTEN): see Internal/PostgresDataSources.cs.
    private readonly NpgsqlDataSource _dedicatedDataSource;
    private readonly bool _ownsDataSource;
    private readonly PostgresCommands _commands;
    private readonly PostgresStatements _statements;
    private readonly ILogger _logger;
    private readonly int _maxDataBytes;
    private readonly long _touchThresholdMs;
    private readonly SessionStoreOperationRunner _runner;
    private readonly CancellationTokenSource _disposed = new();
    private readonly bool _announce;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The options; <see cref="PostgresSessionStoreOptions.ConnectionString"/> or
    /// <see cref="PostgresSessionStoreOptions.DataSource"/> is required.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names every invalid one).</exception>
    public PostgresSessionStore(PostgresSessionStoreOptions options, ILogger<PostgresSessionStore>? logger = null)
    {
        Validator.ThrowIfInvalid(options, nameof(options));
        if (options.DataSource is not null)
        {
            _dataSource = options.DataSource;
            _dedicatedDataSource = options.DataSource;
        }
        else
        {
            (_dataSource, _dedicatedDataSource) = PostgresDataSources.Create(PostgresTimeouts.Apply(options.ConnectionString!, options.OperationTimeout));
            _ownsDataSource = true;
        }

        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _runner = new SessionStoreOperationRunner(PostgresBackend.Instance, options.OperationTimeout, _logger);
        _commands = new PostgresCommands(options.SchemaName, options.TableName);
        _announce = options.PublishInvalidations;
        if (_announce)
        {
            _announcer = new PostgresAnnouncer(_dataSource, _commands.InvalidationChannel, ex => Log.AnnouncementsLost(_logger, _commands.Table, ex));
            _announcer.EnsureStarted(_disposed.Token);
        }

        _statements = new PostgresStatements(_dataSource, PostgresStatements.CanPrepare(_dataSource) && options.PrepareStatements, options.Durability);
        _maxDataBytes = options.MaxDataBytes;
        _touchThresholdMs = (long)Math.Ceiling(options.TouchWriteThreshold.TotalMilliseconds);
        _schemaName = options.SchemaName;
        _tableName = options.TableName;
        _createSchema = options.CreateSchemaIfMissing;
        _unlogged = options.UnloggedTable;
        _schema = new SessionStoreInitializer(EnsureSchemaCoreAsync);
        _leaseTable = new SessionStoreInitializer(EnsureLeaseTableCoreAsync);
        _pruneBatchSize = options.PruneBatchSize;
        _pruneBatchDelay = options.PruneBatchDelay;
        PruneLockKey = LockKeys.For("prune", _commands.Table);
        if (options.EnablePruning)
        {
            _pruneLoop = RunPruneLoopAsync(options.PruneInterval, _disposed.Token);
        }
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return _runner.RunAsync(SessionStoreOperationNames.Get, (Store: this, Id: id), static (s, ct) => s.Store.GetCoreAsync(s.Id, ct), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>One <c>UPDATE … RETURNING</c>. With <see cref="PostgresSessionStoreOptions.TouchWriteThreshold"/> set,
    /// the row is rewritten only when the expiry moves by at least the threshold, and the returned expiry is the stored
    /// one.</remarks>
    public Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        return _runner.RunAsync(
            SessionStoreOperationNames.GetAndTouch, (Store: this, Id: id, Ttl: ttl), static (s, ct) => s.Store.GetAndTouchCoreAsync(s.Id, s.Ttl, ct), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>An unconditional write is one <c>INSERT … ON CONFLICT DO UPDATE</c>. A compare-and-set is one
    /// conditional write plus a read of the current version, sent as one batch (one round trip, one transaction), so a
    /// conflict reports the version that caused it.</remarks>
    public Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateWrite(write, _maxDataBytes);
        return _runner.RunAsync(SessionStoreOperationNames.Set, (Store: this, Id: id, Write: write), static (s, ct) => s.Store.SetCoreAsync(s.Id, s.Write, ct), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>One <c>UPDATE</c> of the expiry column only. See <see cref="PostgresSessionStoreOptions.TouchWriteThreshold"/>.</remarks>
    public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        return _runner.RunAsync(SessionStoreOperationNames.Touch, (Store: this, Id: id, Ttl: ttl), static (s, ct) => s.Store.TouchCoreAsync(s.Id, s.Ttl, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return _runner.RunAsync(SessionStoreOperationNames.Destroy, (Store: this, Id: id), static (s, ct) => s.Store.DestroyCoreAsync(s.Id, ct), cancellationToken);
    }

    /// <summary>Stops the pruner, sends the near-cache announcements of the writes made so far (waiting for them at most
    /// <see cref="SessionStoreOptions.OperationTimeout"/>) and, when the store created it, closes its connection pool.</summary>
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
        // The announcer's last send, bounded as in Dispose: a stalled server must not hold the application's shutdown.
        if (_announcer is not null && !await _announcer.WaitStoppedAsync(_runner.OperationTimeout).ConfigureAwait(false))
        {
            Log.AnnouncerStillSending(_logger, _commands.Table, _runner.OperationTimeout);
        }

        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
            await _dedicatedDataSource.DisposeAsync().ConfigureAwait(false);
        }

        _disposed.Dispose();
    }

    /// <summary>Stops the pruner (without waiting for a running pass), sends the near-cache announcements of the writes
    /// made so far (waiting for them at most <see cref="SessionStoreOptions.OperationTimeout"/>) and, when the store
    /// created it, closes its connection pool. Prefer <see cref="DisposeAsync"/>.</summary>
    public void Dispose()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();

        // The announcer's last send, as DisposeAsync awaits it: closing the pool under it would lose what the last
        // writes announce, and other processes' near caches would serve their old versions. A send that takes longer
        // fails once the pool is closed, and the announcer logs what it lost.
        if (_announcer is not null && !_announcer.WaitStopped(_runner.OperationTimeout))
        {
            Log.AnnouncerStillSending(_logger, _commands.Table, _runner.OperationTimeout);
        }
        if (_ownsDataSource)
        {
            _dataSource.Dispose();
            _dedicatedDataSource.Dispose();
        }
    }

    private async Task<SessionRecord?> GetCoreAsync(string id, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        return await _statements.RunAsync(
            writes: false,
            (Sql: _commands.Get, Id: id),
            static (commands, s) => commands.Add(new NpgsqlBatchCommand(s.Sql) { Parameters = { Text(s.Id) } }),
            static (reader, s, ct) => ReadRecordAsync(reader, s.Id, ct),
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<SessionRecord?> GetAndTouchCoreAsync(string id, TimeSpan ttl, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        return await _statements.RunAsync(
            writes: true,
            (Store: this, Id: id, Ttl: ttl),
            static (commands, s) => commands.Add(s.Store.TouchCommand(s.Store._commands.GetAndTouch, s.Store._commands.GetAndTouchWithThreshold, s.Id, s.Ttl)),
            static (reader, s, ct) => ReadRecordAsync(reader, s.Id, ct),
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<SessionSetResult> SetCoreAsync(string id, SessionWrite write, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = write.ExpectedVersion is { } expected
                ? await CompareAndSetAsync(id, write, expected, cancellationToken).ConfigureAwait(false)
                : await UpsertAsync(id, write, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                _announcer?.Announce(id, result.Version);
            }

            return result;
        }
        catch
        {
            AnnounceUnknown(id);
            throw;
        }
    }

    private async Task<bool> TouchCoreAsync(string id, TimeSpan ttl, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var version = await _statements.ScalarAsync(
            writes: true,
            (Store: this, Id: id, Ttl: ttl),
            static (commands, s) => commands.Add(s.Store.TouchCommand(s.Store._commands.Touch, s.Store._commands.TouchWithThreshold, s.Id, s.Ttl)),
            cancellationToken).ConfigureAwait(false);
        return version is long v && CheckVersion(id, v) > 0;
    }

    private async Task<bool> DestroyCoreAsync(string id, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var deleted = await _statements.ScalarAsync(
                writes: true,
                (Sql: _commands.Destroy, Id: id),
                static (commands, s) => commands.Add(new NpgsqlBatchCommand(s.Sql) { Parameters = { Text(s.Id) } }),
                cancellationToken).ConfigureAwait(false);
            if (deleted is not null)
            {
                _announcer?.Announce(id, 0);
            }

            return deleted is true;
        }
        catch
        {
            AnnounceUnknown(id);
            throw;
        }
    }

    private async Task<SessionSetResult> UpsertAsync(string id, SessionWrite write, CancellationToken cancellationToken)
    {
        var version = await _statements.ScalarAsync(
            writes: true,
            (Sql: _commands.SetUnconditional, Id: id, Write: write),
            static (commands, s) =>
            {
                var command = new NpgsqlBatchCommand(s.Sql);
                AddWrite(command.Parameters, s.Id, s.Write);
                commands.Add(command);
            },
            cancellationToken).ConfigureAwait(false);
        return SessionSetResult.Success((long)version!);
    }

    private Task<SessionSetResult> CompareAndSetAsync(string id, SessionWrite write, long expected, CancellationToken cancellationToken) =>
        _statements.RunAsync(
            writes: true,
            (Commands: _commands, Id: id, Write: write, Expected: expected),
            static (commands, s) =>
            {
                var conditional = new NpgsqlBatchCommand(s.Expected == 0 ? s.Commands.SetCreateOnly : s.Commands.SetIfVersion);
                AddWrite(conditional.Parameters, s.Id, s.Write);
                if (s.Expected != 0)
                {
                    conditional.Parameters.Add(Bigint(s.Expected));
                }

                commands.Add(conditional);
                commands.Add(new NpgsqlBatchCommand(s.Commands.CurrentVersion) { Parameters = { Text(s.Id) } });
            },
            static async (reader, s, ct) =>
            {
                if (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    return SessionSetResult.Success(reader.GetInt64(0));
                }

                await reader.NextResultAsync(ct).ConfigureAwait(false);
                var live = await reader.ReadAsync(ct).ConfigureAwait(false) ? CheckVersion(s.Id, reader.GetInt64(0)) : 0;
                return SessionSetResult.Conflict(live);
            },
            cancellationToken);

    /// <summary>A touch statement: $1 id, $2 ttl ms, and $3 the threshold ms when one is set (then the threshold's variant).</summary>
    private NpgsqlBatchCommand TouchCommand(string sql, string sqlWithThreshold, string id, TimeSpan ttl)
    {
        var command = new NpgsqlBatchCommand(_touchThresholdMs > 0 ? sqlWithThreshold : sql);
        command.Parameters.Add(Text(id));
        command.Parameters.Add(Milliseconds(ttl));
        if (_touchThresholdMs > 0)
        {
            command.Parameters.Add(Bigint(_touchThresholdMs));
        }

        return command;
    }
}
