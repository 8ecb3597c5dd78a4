using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.Postgres.Internal;
using static SessionStores.Postgres.Internal.PostgresCodec;

namespace SessionStores.Postgres;

// Leases: a row per leased id in <table>_leases, taken by one upsert whose WHERE lets only a free or expired lease be
// retaken, all times on the database clock. A release ends the lease in its row and NOTIFYs; one listening connection
// per store instance wakes this process's waiters. The pruner removes rows an hour after their lease ended.
public sealed partial class PostgresSessionStore : ISessionLeaseStore
{
    private readonly object _leaseGate = new();
    private readonly SessionStoreInitializer _leaseTable;
    private SessionLeaseWaiters? _leaseWaiters;
    // An idle lease listener is probed this often, so a connection the network silently dropped is noticed.
    private static readonly TimeSpan LeaseListenerProbe = TimeSpan.FromSeconds(30);

    private PostgresListener? _leaseListener;

    /// <inheritdoc />
    /// <remarks>One statement batch per attempt, each within <see cref="SessionStoreOptions.OperationTimeout"/>, no connection held between attempts and no advisory lock (so it works
    /// behind a transaction-pooling proxy). A waiting caller starts this store's listening connection (one per store
    /// instance, kept until disposal); a jittered re-check bounded by the holder's remaining time backs up a lost
    /// notification. The lease table is created with the session table, or on the first lease operation for a table
    /// created by an earlier version (when <see cref="PostgresSessionStoreOptions.CreateSchemaIfMissing"/> allows).</remarks>
    public Task<SessionLease?> AcquireLeaseAsync(string id, TimeSpan duration, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateLeaseDuration(duration);
        SessionValidation.ValidateLeaseWait(wait);
        return _runner.AcquireLeaseAsync(
            id,
            wait,
            (Store: this, Id: id, Duration: duration),
            static s => s.Store.LeaseWaiters(),
            static (s, ct) => s.Store.AcquireLeaseCoreAsync(s.Id, s.Duration, ct),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> RenewLeaseAsync(SessionLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateLease(lease);
        SessionValidation.ValidateLeaseDuration(duration);
        return _runner.RunAsync(
            SessionStoreOperationNames.RenewLease, (Store: this, Lease: lease, Duration: duration), static (s, ct) => s.Store.RenewLeaseCoreAsync(s.Lease, s.Duration, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> ReleaseLeaseAsync(SessionLease lease, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateLease(lease);
        return _runner.RunAsync(SessionStoreOperationNames.ReleaseLease, (Store: this, Lease: lease), static (s, ct) => s.Store.ReleaseLeaseCoreAsync(s.Lease, ct), cancellationToken);
    }

    // One attempt, run by the runner under the deadline (its token); making the lease table ready (once) is part of the
    // first attempt's round trips.
    private async Task<SessionLeaseAttempt> AcquireLeaseCoreAsync(string id, TimeSpan duration, CancellationToken cancellationToken)
    {
        await EnsureLeasesReadyAsync(cancellationToken).ConfigureAwait(false);
        var owner = Guid.NewGuid().ToString("N");
        var batch = _dataSource.CreateBatch();
        await using var batchScope = batch.ConfigureAwait(false);
        var acquire = new NpgsqlBatchCommand(_commands.AcquireLease);
        acquire.Parameters.Add(Text(id));
        acquire.Parameters.Add(Text(owner));
        acquire.Parameters.Add(Milliseconds(duration));
        var remaining = new NpgsqlBatchCommand(_commands.LeaseHolderRemaining);
        remaining.Parameters.Add(Text(id));
        batch.BatchCommands.Add(acquire);
        batch.BatchCommands.Add(remaining);

        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return SessionLeaseAttempt.Acquired(new SessionLease(id, owner, reader.GetInt64(0)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        return SessionLeaseAttempt.Held(await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? TimeSpan.FromMilliseconds(reader.GetInt64(0))
            : null);
    }

    private async Task<bool> RenewLeaseCoreAsync(SessionLease lease, TimeSpan duration, CancellationToken cancellationToken)
    {
        await EnsureLeasesReadyAsync(cancellationToken).ConfigureAwait(false);
        var command = _dataSource.CreateCommand(_commands.RenewLease);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(Text(lease.Id));
        command.Parameters.Add(Text(lease.Owner));
        command.Parameters.Add(Milliseconds(duration));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private async Task<bool> ReleaseLeaseCoreAsync(SessionLease lease, CancellationToken cancellationToken)
    {
        await EnsureLeasesReadyAsync(cancellationToken).ConfigureAwait(false);
        var command = _dataSource.CreateCommand(_commands.ReleaseLease);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(Text(lease.Id));
        command.Parameters.Add(Text(lease.Owner));
        command.Parameters.Add(Text(_commands.LeaseChannel));
        var released = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
        if (released)
        {
            // This instance's waiters need not wait for the notification to come back.
            _leaseWaiters?.Wake(lease.Id);
        }

        return released;
    }

    private SessionLeaseWaiters LeaseWaiters()
    {
        lock (_leaseGate)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            if (_leaseListener is null)
            {
                var waiters = _leaseWaiters = new SessionLeaseWaiters();

                // Releases may be missed until the next LISTEN: waiters fall back on their own re-checks meanwhile, and all
                // re-check once it is in place.
                _leaseListener = new PostgresListener(
                    _dedicatedDataSource,
                    _commands.ListenForLeases,
                    LeaseListenerProbe,
                    waiters.WakeAll,
                    waiters.Wake,
                    (backoff, ex) =>
                    {
                        Log.LeaseListenFailed(_logger, _commands.LeaseTable, backoff, ex);
                        waiters.WakeAll();
                    },
                    _disposed.Token);
            }

            _leaseListener.EnsureStarted();
            return _leaseWaiters!;
        }
    }

    // The session schema first (it creates the lease table with it); then, once, the lease table that a session table
    // from an earlier version lacks.
    private async Task EnsureLeasesReadyAsync(CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        await _leaseTable.EnsureAsync(cancellationToken).ConfigureAwait(false);
    }

    // A catalog check, and when the table is missing, its creation under the schema's advisory lock like the rest.
    private async Task EnsureLeaseTableCoreAsync(CancellationToken cancellationToken)
    {
        if (await LeaseTableExistsAsync(null, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        if (!_createSchema)
        {
            throw new InvalidOperationException(
                $"The lease table {_commands.LeaseTable} is missing. Create it with PostgresSessionStore.GenerateSchemaScript " +
                "(sql/create-sessionstores.sql; every statement is idempotent) or set PostgresSessionStoreOptions.CreateSchemaIfMissing to true.");
        }

        var key = LockKeys.For("schema", _commands.Schema);
        var connection = await _dedicatedDataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        await RunLockAsync(connection, "SELECT pg_advisory_lock($1)", key, cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await LeaseTableExistsAsync(connection, cancellationToken).ConfigureAwait(false))
            {
                var ddl = new NpgsqlCommand(_commands.CreateLeaseTable(_unlogged), connection);
                await using var ddlScope = ddl.ConfigureAwait(false);
                await ddl.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await RunLockAsync(connection, "SELECT pg_advisory_unlock($1)", key, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<bool> LeaseTableExistsAsync(NpgsqlConnection? connection, CancellationToken cancellationToken)
    {
        var command = connection is null ? _dataSource.CreateCommand(_commands.TableExists) : new NpgsqlCommand(_commands.TableExists, connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(Text(_commands.LeaseTable));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    /// <summary>Completes once the listening loop (if any) has closed its connection; called by DisposeAsync after the
    /// disposal token stopped it.</summary>
    private Task LeaseListenerStoppedAsync()
    {
        lock (_leaseGate)
        {
            return _leaseListener?.Running ?? Task.CompletedTask;
        }
    }

    /// <summary>Part of a pruning pass (under the pruning lock): removes lease rows whose lease ended over an hour ago,
    /// in batches. A lease table not created yet (no lease was ever taken) is skipped.</summary>
    private async Task<long> PruneStaleLeasesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (!_leaseTable.IsDone && !await LeaseTableExistsAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        var delete = new NpgsqlCommand(_commands.PruneLeaseBatch, connection);
        await using var deleteScope = delete.ConfigureAwait(false);
        delete.Parameters.Add(Integer(_pruneBatchSize));
        long deleted = 0;
        int rows;
        do
        {
            rows = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            deleted += rows;
        }
        while (rows == _pruneBatchSize);

        return deleted;
    }
}
