using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace SessionStores;

/// <summary>The near cache of a store that holds leases: leases pass through (they are never cached), and taking a
/// session's lease drops this process's copy of it.</summary>
internal sealed class NearCachedLeaseSessionStore : NearCachedSessionStore, ISessionLeaseStore
{
    private readonly ISessionLeaseStore _leases;

    public NearCachedLeaseSessionStore(
        ISessionStore inner, ISessionInvalidationSource invalidations, SessionStoreNearCacheOptions? options, ILogger? logger, TimeProvider? timeProvider, bool disposeInner)
        : base(inner, invalidations, options, logger, timeProvider, disposeInner)
    {
        _leases = (ISessionLeaseStore)inner;
    }

    public async Task<SessionLease?> AcquireLeaseAsync(string id, TimeSpan duration, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var lease = await _leases.AcquireLeaseAsync(id, duration, wait, cancellationToken).ConfigureAwait(false);
        if (lease is not null)
        {
            // The lease's holder reads the store: the previous holder (in another process) released the lease after its
            // write, but that write's announcement may not have reached this process yet, and a stale copy would fail the
            // holder's compare-and-set: a 409 that exclusive mode promises never to give.
            Forget(id);
        }

        return lease;
    }

    public Task<bool> RenewLeaseAsync(SessionLease lease, TimeSpan duration, CancellationToken cancellationToken = default) =>
        _leases.RenewLeaseAsync(lease, duration, cancellationToken);

    public Task<bool> ReleaseLeaseAsync(SessionLease lease, CancellationToken cancellationToken = default) =>
        _leases.ReleaseLeaseAsync(lease, cancellationToken);
}
