using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.AspNetCore.Tests;

/// <summary>
/// Wraps a real store (never a mock: every call reaches the real backend) to count round trips per operation, and
/// lets a test hold or fail calls at chosen moments (to force interleavings or outages deterministically).
/// </summary>
public sealed class InterceptingSessionStore(ISessionStore inner) : ISessionStore, ISessionLeaseStore
{
    private int _get;
    private int _getAndTouch;
    private int _set;
    private int _touch;
    private int _destroy;

    public ISessionStore Inner => inner;

    /// <summary>Runs before each load (Get / GetAndTouch) reaches the backend; may wait or throw.</summary>
    public Func<Task>? BeforeLoad { get; set; }

    /// <summary>Runs after each GetAndTouch (the request's load) returned from the backend, before the caller sees it:
    /// a barrier here makes concurrent requests all load the same version before any of them commits.</summary>
    public Func<Task>? AfterGetAndTouch { get; set; }

    /// <summary>Runs before each Set reaches the backend; may wait or throw.</summary>
    public Func<Task>? BeforeSet { get; set; }

    /// <summary>Runs before each Destroy reaches the backend; may wait or throw.</summary>
    public Func<Task>? BeforeDestroy { get; set; }

    public int Gets => Volatile.Read(ref _get);

    public int GetAndTouches => Volatile.Read(ref _getAndTouch);

    public int Sets => Volatile.Read(ref _set);

    public int Touches => Volatile.Read(ref _touch);

    public int Destroys => Volatile.Read(ref _destroy);

    /// <summary>Round trips of the per-request operations (load, write, touch, destroy).</summary>
    public int RoundTrips => Gets + GetAndTouches + Sets + Touches + Destroys;

    public void ResetCounts()
    {
        _get = _getAndTouch = _set = _touch = _destroy = 0;
    }

    public async Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _get);
        await (BeforeLoad?.Invoke() ?? Task.CompletedTask);
        return await inner.GetAsync(id, cancellationToken);
    }

    public async Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _getAndTouch);
        await (BeforeLoad?.Invoke() ?? Task.CompletedTask);
        var record = await inner.GetAndTouchAsync(id, ttl, cancellationToken);
        await (AfterGetAndTouch?.Invoke() ?? Task.CompletedTask);
        return record;
    }

    public async Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _set);
        await (BeforeSet?.Invoke() ?? Task.CompletedTask);
        return await inner.SetAsync(id, write, cancellationToken);
    }

    public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _touch);
        return inner.TouchAsync(id, ttl, cancellationToken);
    }

    public async Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _destroy);
        if (BeforeDestroy is { } before)
        {
            await before();
        }

        return await inner.DestroyAsync(id, cancellationToken);
    }

    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default) => inner.ListAsync(query, cancellationToken);

    public Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default) => inner.CountAsync(query, cancellationToken);

    public Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default) => inner.DestroyManyAsync(query, cancellationToken);

    // Leases pass straight through (for SessionConcurrency.Exclusive), when the real store has them.
    public Task<SessionLease?> AcquireLeaseAsync(string id, TimeSpan duration, TimeSpan wait, CancellationToken cancellationToken = default) =>
        Leases.AcquireLeaseAsync(id, duration, wait, cancellationToken);

    public Task<bool> RenewLeaseAsync(SessionLease lease, TimeSpan duration, CancellationToken cancellationToken = default) =>
        Leases.RenewLeaseAsync(lease, duration, cancellationToken);

    public Task<bool> ReleaseLeaseAsync(SessionLease lease, CancellationToken cancellationToken = default) =>
        Leases.ReleaseLeaseAsync(lease, cancellationToken);

    private ISessionLeaseStore Leases => inner as ISessionLeaseStore ?? throw new NotSupportedException($"{inner.GetType().Name} has no leases.");
}
