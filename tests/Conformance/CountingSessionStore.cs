using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Conformance;

/// <summary>Passes every call to a store and counts them: what a decorator in front of it cost.</summary>
/// <param name="inner">The store.</param>
public sealed class CountingSessionStore(ISessionStore inner) : ISessionStore
{
    private long _calls;

    /// <summary>Calls made so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <inheritdoc />
    public Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default) => Count(inner.GetAsync(id, cancellationToken));

    /// <inheritdoc />
    public Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        Count(inner.GetAndTouchAsync(id, ttl, cancellationToken));

    /// <inheritdoc />
    public Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default) =>
        Count(inner.SetAsync(id, write, cancellationToken));

    /// <inheritdoc />
    public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default) => Count(inner.TouchAsync(id, ttl, cancellationToken));

    /// <inheritdoc />
    public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default) => Count(inner.DestroyAsync(id, cancellationToken));

    /// <inheritdoc />
    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        return inner.ListAsync(query, cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default) => Count(inner.CountAsync(query, cancellationToken));

    /// <inheritdoc />
    public Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        Count(inner.DestroyManyAsync(query, cancellationToken));

    private T Count<T>(T call)
    {
        Interlocked.Increment(ref _calls);
        return call;
    }
}
