using System;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Redis.Internal;
using StackExchange.Redis;

namespace SessionStores.Redis;

// Leases: one key per leased id beside (not inside) the session key space, taken with SET NX PX, renewed and released by
// owner compare; a release publishes the id, and one subscription per store instance wakes the waiters of this process.
public sealed partial class RedisSessionStore : ISessionLeaseStore
{
    private readonly object _leaseGate = new();
    private SessionLeaseWaiters? _leaseWaiters;
    private Task? _leaseSubscription;
    private IConnectionMultiplexer? _leaseConnection;
    private Action<RedisChannel, RedisValue>? _leaseHandler;

    private SessionLeaseWaiters LeaseWaiters =>
        _leaseWaiters ?? Interlocked.CompareExchange(ref _leaseWaiters, new SessionLeaseWaiters(), null) ?? _leaseWaiters;

    /// <inheritdoc />
    /// <remarks>One script call per attempt (<c>SET NX PX</c> and the fence), each within
    /// <see cref="SessionStoreOptions.OperationTimeout"/>. A waiter subscribes this store instance to
    /// the release channel once; publish/subscribe may lose a message (a reconnect), so a jittered re-check bounded by the
    /// holder's remaining time backs it up. Like any Redis lock on one primary, a failover before the lease key reached
    /// the replica can grant a lease twice; the session's compare-and-set still rejects the stale holder's write.</remarks>
    public Task<SessionLease?> AcquireLeaseAsync(string id, TimeSpan duration, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateLeaseDuration(duration);
        SessionValidation.ValidateLeaseWait(wait);
        return _runner.AcquireLeaseAsync(
            id,
            wait,
            (Store: this, Id: id, Duration: duration, Subscribe: wait > TimeSpan.Zero),
            static s => s.Store.LeaseWaiters,
            static (s, ct) => s.Store.AcquireLeaseCoreAsync(s.Id, s.Duration, s.Subscribe, ct),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> RenewLeaseAsync(SessionLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateLease(lease);
        SessionValidation.ValidateLeaseDuration(duration);
        return _runner.RunAsync(SessionStoreOperationNames.RenewLease, (Store: this, Lease: lease, Duration: duration), static (s, ct) => s.Store.RenewLeaseCoreAsync(s.Lease, s.Duration, ct), cancellationToken);
    }

    private async Task<bool> RenewLeaseCoreAsync(SessionLease lease, TimeSpan duration, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var renew = EvaluateAsync(RedisCommands.RenewLease, db, [_keys.Lease(lease.Id)], [lease.Owner, SessionValidation.ToMilliseconds(duration)], cancellationToken);
        return (long)await RedisBackend.ForSession(renew, lease.Id).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public Task<bool> ReleaseLeaseAsync(SessionLease lease, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateLease(lease);
        return _runner.RunAsync(SessionStoreOperationNames.ReleaseLease, (Store: this, Lease: lease), static (s, ct) => s.Store.ReleaseLeaseCoreAsync(s.Lease, ct), cancellationToken);
    }

    private async Task<bool> ReleaseLeaseCoreAsync(SessionLease lease, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var release = EvaluateAsync(RedisCommands.ReleaseLease, db, [_keys.Lease(lease.Id)], [lease.Owner, _keys.LeaseReleased.ToString(), lease.Id], cancellationToken);
        var released = (long)await RedisBackend.ForSession(release, lease.Id).ConfigureAwait(false) == 1;
        if (released)
        {
            // This instance's waiters need not wait for the message to come back.
            _leaseWaiters?.Wake(lease.Id);
        }

        return released;
    }

    // One attempt, run by the runner under the deadline (its token): connecting and, for a waiter, the subscription
    // (both done once) are part of the first attempt's round trip.
    private async Task<SessionLeaseAttempt> AcquireLeaseCoreAsync(string id, TimeSpan duration, bool subscribe, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        if (subscribe)
        {
            await EnsureLeaseSubscriptionAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var owner = Guid.NewGuid().ToString("N");
        var acquire = EvaluateAsync(
            RedisCommands.AcquireLease,
            db,
            [_keys.Lease(id), _keys.LeaseFence(id)],
            [owner, SessionValidation.ToMilliseconds(duration), RedisCommands.FenceMemoryMs],
            cancellationToken);
        var result = (RedisResult[])(await RedisBackend.ForSession(acquire, id).ConfigureAwait(false))!;
        return (long)result[0] == 1
            ? SessionLeaseAttempt.Acquired(new SessionLease(id, owner, (long)result[1]))
            : SessionLeaseAttempt.Held((long)result[1] is var ms and >= 0 ? TimeSpan.FromMilliseconds(ms) : null);
    }

    /// <summary>Subscribes this store instance to its release channel, once (a failed attempt is repeated by the next
    /// waiter). Once subscribed, and after every reconnect, all waiters re-check: a release published while the
    /// subscription was not in place is lost.</summary>
    private Task EnsureLeaseSubscriptionAsync()
    {
        lock (_leaseGate)
        {
            if (_leaseSubscription is null || _leaseSubscription.IsFaulted || _leaseSubscription.IsCanceled)
            {
                _leaseSubscription = SubscribeToLeaseReleasesAsync(_connection!);
            }

            return _leaseSubscription;
        }
    }

    private async Task SubscribeToLeaseReleasesAsync(IConnectionMultiplexer connection)
    {
        var waiters = LeaseWaiters;
        _leaseHandler ??= (_, message) =>
        {
            if (message.HasValue)
            {
                waiters.Wake(message.ToString());
            }
        };
        await connection.GetSubscriber().SubscribeAsync(_keys.LeaseReleased, _leaseHandler).ConfigureAwait(false);
        lock (_leaseGate)
        {
            if (_leaseConnection is null)
            {
                _leaseConnection = connection;
                connection.ConnectionRestored += OnLeaseConnectionRestored;
            }
        }

        waiters.WakeAll();
    }

    private void OnLeaseConnectionRestored(object? sender, ConnectionFailedEventArgs e) => _leaseWaiters?.WakeAll();

    /// <summary>Called on disposal: a shared multiplexer must not keep calling into this store.</summary>
    private void StopLeaseSignals()
    {
        IConnectionMultiplexer? connection;
        lock (_leaseGate)
        {
            connection = _leaseConnection;
            _leaseConnection = null;
        }

        if (connection is not null)
        {
            connection.ConnectionRestored -= OnLeaseConnectionRestored;
            connection.GetSubscriber().Unsubscribe(_keys.LeaseReleased, _leaseHandler, CommandFlags.FireAndForget);
        }

        _leaseWaiters?.WakeAll();
    }
}
