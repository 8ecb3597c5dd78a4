using System;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using MySqlConnector;
using static SessionStores.MySql.Internal.MySqlCodec;

namespace SessionStores.MySql;

// Leases (ISessionLeaseStore): a row per leased id in <table>_leases, taken by one upsert that lets only a free or
// expired lease be retaken, all times on the server's clock, fenced (see MySqlCommands.AcquireLease). MySQL has no
// publish/subscribe: a release wakes this process's waiters at once; waiters in other processes notice it at their
// next re-check (SessionLeaseWaiters: 250 ms doubling to 4 s, never later than the holder's remaining time).
public sealed partial class MySqlSessionStore : ISessionLeaseStore
{
    private readonly SessionLeaseWaiters _leaseWaiters = new();

    /// <inheritdoc />
    /// <remarks>One round trip per attempt, each within <see cref="SessionStoreOptions.OperationTimeout"/>; no
    /// connection is held between attempts.</remarks>
    public Task<SessionLease?> AcquireLeaseAsync(string id, TimeSpan duration, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateLeaseDuration(duration);
        SessionValidation.ValidateLeaseWait(wait);
        return _runner.AcquireLeaseAsync(
            id,
            wait,
            (Store: this, Id: id, Duration: duration),
            static s => s.Store._leaseWaiters,
            static (s, ct) => s.Store.TryAcquireLeaseCoreAsync(s.Id, s.Duration, ct),
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

    /// <summary>One atomic attempt: takes the lease when it is free or expired, with a fence greater than any before.</summary>
    private async Task<SessionLeaseAttempt> TryAcquireLeaseCoreAsync(string id, TimeSpan duration, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var owner = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new MySqlCommand(_commands.AcquireLease, connection);
        Add(command, "@id", id);
        Add(command, "@owner", owner);
        Add(command, "@duration", SessionValidation.ToMilliseconds(duration));
        return await Live(connection, ReadLeaseAttemptAsync(command, id, owner, cancellationToken)).ConfigureAwait(false);
    }

    private static async Task<SessionLeaseAttempt> ReadLeaseAttemptAsync(MySqlCommand command, string id, string owner, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return reader.GetInt64(0) == 1
            ? SessionLeaseAttempt.Acquired(new SessionLease(id, owner, reader.GetInt64(1)))
            : SessionLeaseAttempt.Held(TimeSpan.FromMilliseconds(Math.Max(0, reader.GetInt64(2))));
    }

    private async Task<bool> RenewLeaseCoreAsync(SessionLease lease, TimeSpan duration, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = LeaseCommand(_commands.RenewLease, connection, lease);
        Add(command, "@duration", SessionValidation.ToMilliseconds(duration));
        return await Live(connection, command.ExecuteNonQueryAsync(cancellationToken)).ConfigureAwait(false) > 0;
    }

    private async Task<bool> ReleaseLeaseCoreAsync(SessionLease lease, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = LeaseCommand(_commands.ReleaseLease, connection, lease);
        var released = await Live(connection, command.ExecuteNonQueryAsync(cancellationToken)).ConfigureAwait(false) > 0;
        if (released)
        {
            _leaseWaiters.Wake(lease.Id);
        }

        return released;
    }

    private static MySqlCommand LeaseCommand(string sql, MySqlConnection connection, SessionLease lease)
    {
        var command = new MySqlCommand(sql, connection);
        Add(command, "@id", lease.Id);
        Add(command, "@owner", lease.Owner);
        Add(command, "@fence", lease.Fence);
        return command;
    }
}
