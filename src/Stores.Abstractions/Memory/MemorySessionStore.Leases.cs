using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Memory;

// Leases in this process: a table of holders under one lock, expiry on the store's TimeProvider, waiters woken by the
// release itself. Fences come from one counter per store, so they grow strictly for every id.
public sealed partial class MemorySessionStore : ISessionLeaseStore
{
    // Expired holders (a caller that never released) are swept from the table this often, counted in acquisitions.
    private const int LeaseSweepEvery = 256;

    private readonly Dictionary<string, LeaseHolder> _leases = new(StringComparer.Ordinal);
    private SessionLeaseWaiters? _leaseWaiters;
    private long _leaseFence;
    private int _leaseAcquisitions;

    private SessionLeaseWaiters LeaseWaiters =>
        _leaseWaiters ?? Interlocked.CompareExchange(ref _leaseWaiters, new SessionLeaseWaiters(_time), null) ?? _leaseWaiters;

    /// <inheritdoc />
    /// <remarks>Leases live in this store instance only: they serialize callers of one process, which is all an in-memory
    /// store serves.</remarks>
    public Task<SessionLease?> AcquireLeaseAsync(string id, TimeSpan duration, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateLeaseDuration(duration);
        SessionValidation.ValidateLeaseWait(wait);
        cancellationToken.ThrowIfCancellationRequested();
        var first = AcquireLeaseCore(id, duration);
        if (first.Lease is not null || wait == TimeSpan.Zero)
        {
            return Task.FromResult(first.Lease);
        }

        return LeaseWaiters.AcquireAsync(id, wait, _ => ValueTask.FromResult(AcquireLeaseCore(id, duration)), cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> RenewLeaseAsync(SessionLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateLease(lease);
        SessionValidation.ValidateLeaseDuration(duration);
        cancellationToken.ThrowIfCancellationRequested();
        return Run(SessionStoreOperationNames.RenewLease, (Store: this, Lease: lease, Duration: duration), static s => s.Store.RenewLeaseCore(s.Lease, s.Duration));
    }

    /// <inheritdoc />
    public Task<bool> ReleaseLeaseAsync(SessionLease lease, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateLease(lease);
        cancellationToken.ThrowIfCancellationRequested();
        return Run(SessionStoreOperationNames.ReleaseLease, (Store: this, Lease: lease), static s => s.Store.ReleaseLeaseCore(s.Lease));
    }

    // One attempt, timed as each attempt of the other stores is.
    private SessionLeaseAttempt AcquireLeaseCore(string id, TimeSpan duration) =>
        Timed(SessionStoreOperationNames.AcquireLease, (Store: this, Id: id, Duration: duration), static s => s.Store.TryAcquireLease(s.Id, s.Duration));

    private bool RenewLeaseCore(SessionLease lease, TimeSpan duration)
    {
        lock (_leases)
        {
            var now = NowMs();
            if (!_leases.TryGetValue(lease.Id, out var holder) || !holder.IsHeldBy(lease, now))
            {
                return false;
            }

            _leases[lease.Id] = holder with { ExpiresAtMs = now + SessionValidation.ToMilliseconds(duration) };
            return true;
        }
    }

    private bool ReleaseLeaseCore(SessionLease lease)
    {
        bool released;
        lock (_leases)
        {
            released = _leases.TryGetValue(lease.Id, out var holder) && holder.IsHeldBy(lease, NowMs());
            if (released)
            {
                _leases.Remove(lease.Id);
            }
        }

        if (released)
        {
            _leaseWaiters?.Wake(lease.Id);
        }

        return released;
    }

    private SessionLeaseAttempt TryAcquireLease(string id, TimeSpan duration)
    {
        lock (_leases)
        {
            var now = NowMs();
            if (++_leaseAcquisitions % LeaseSweepEvery == 0)
            {
                SweepExpiredLeases(now);
            }

            if (_leases.TryGetValue(id, out var holder) && holder.ExpiresAtMs > now)
            {
                return SessionLeaseAttempt.Held(TimeSpan.FromMilliseconds(holder.ExpiresAtMs - now));
            }

            var lease = new SessionLease(id, Guid.NewGuid().ToString("N"), ++_leaseFence);
            _leases[id] = new LeaseHolder(lease.Owner, lease.Fence, now + SessionValidation.ToMilliseconds(duration));
            return SessionLeaseAttempt.Acquired(lease);
        }
    }

    private void SweepExpiredLeases(long now)
    {
        List<string>? expired = null;
        foreach (var (id, holder) in _leases)
        {
            if (holder.ExpiresAtMs <= now)
            {
                (expired ??= []).Add(id);
            }
        }

        foreach (var id in expired ?? [])
        {
            _leases.Remove(id);
        }
    }

    private sealed record LeaseHolder(string Owner, long Fence, long ExpiresAtMs)
    {
        public bool IsHeldBy(SessionLease lease, long now) =>
            ExpiresAtMs > now && Fence == lease.Fence && string.Equals(Owner, lease.Owner, StringComparison.Ordinal);
    }
}
