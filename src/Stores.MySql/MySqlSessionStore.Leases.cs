using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.MySql;

// Leases (ISessionLeaseStore): one exclusive, fenced lease per session id, shared by every process using the namespace.
// TODO(store): a backend that cannot hold a lease drops this file, ISessionLeaseStore from PublicAPI.Unshipped.txt and
// the lease conformance suite from the tests.
public sealed partial class MySqlSessionStore : ISessionLeaseStore
{
    // Woken when a lease is released. TODO(store): start the backend's wake-up source (publish/subscribe, NOTIFY)
    // before the first wait, and call _leaseWaiters.Wake(id) when it reports a release.
    private readonly SessionLeaseWaiters _leaseWaiters = new();

    /// <inheritdoc />
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

        // TODO(store): SessionLeaseAttempt.Acquired(new SessionLease(id, owner, fence)) with a random owner token, or
        // SessionLeaseAttempt.Held(the holder's remaining time, when the backend tells it).
        throw new NotImplementedException($"TODO(store): {nameof(TryAcquireLeaseCoreAsync)} of {_commands.Key(SessionValidation.Tag(id))} for {duration}");
    }

    private async Task<bool> RenewLeaseCoreAsync(SessionLease lease, TimeSpan duration, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);

        // TODO(store): extend the lease to now + duration only while this owner holds it; false otherwise.
        throw new NotImplementedException($"TODO(store): {nameof(RenewLeaseCoreAsync)} of {_commands.Key(SessionValidation.Tag(lease.Id))} for {duration}");
    }

    private async Task<bool> ReleaseLeaseCoreAsync(SessionLease lease, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);

        // TODO(store): end the lease only while this owner holds it, then wake the waiters of every process (the
        // backend's publish/notify; this process's at least: _leaseWaiters.Wake(lease.Id)); false when it was not held.
        throw new NotImplementedException($"TODO(store): {nameof(ReleaseLeaseCoreAsync)} of {_commands.Key(SessionValidation.Tag(lease.Id))}");
    }
}
