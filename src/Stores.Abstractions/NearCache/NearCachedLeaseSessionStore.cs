using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace SessionStores;

/// <summary>The near cache of a store that holds leases: leases pass through (they are never cached).</summary>
internal sealed class NearCachedLeaseSessionStore : NearCachedSessionStore, ISessionLeaseStore
{
    private readonly ISessionLeaseStore _leases;

    public NearCachedLeaseSessionStore(
        ISessionStore inner, ISessionInvalidationSource invalidations, SessionStoreNearCacheOptions? options, ILogger? logger, TimeProvider? timeProvider, bool disposeInner)
        : base(inner, invalidations, options, logger, timeProvider, disposeInner)
    {
        _leases = (ISessionLeaseStore)inner;
    }

    public Task<SessionLease?> AcquireLeaseAsync(string id, TimeSpan duration, TimeSpan wait, CancellationToken cancellationToken = default) =>
        _leases.AcquireLeaseAsync(id, duration, wait, cancellationToken);

    public Task<bool> RenewLeaseAsync(SessionLease lease, TimeSpan duration, CancellationToken cancellationToken = default) =>
        _leases.RenewLeaseAsync(lease, duration, cancellationToken);

    public Task<bool> ReleaseLeaseAsync(SessionLease lease, CancellationToken cancellationToken = default) =>
        _leases.ReleaseLeaseAsync(lease, cancellationToken);
}
