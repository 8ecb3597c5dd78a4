using System;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Redis.Internal;
using StackExchange.Redis;

namespace SessionStores.Redis;

/// <summary>The store's invalidation feed, for a near cache (<c>AddSessionStoreNearCache</c>).</summary>
/// <remarks>
/// Writes announce <c>key:version</c> from inside the write script, a destroy <c>key:0</c> in a <c>PUBLISH</c>
/// pipelined behind its <c>DEL</c>, a bulk delete <c>*</c> once it is done. Plain publish/subscribe, not Redis
/// server-assisted client-side caching: the announcement carries the version, so a process's own write does not evict
/// the copy it just cached, and sliding-expiry touches (which change no data) announce nothing, whereas tracking reports
/// every <c>PEXPIRE</c> as a change. What publish/subscribe cannot see, a key evicted by <c>maxmemory</c>, is bounded by
/// the cache's entry age and caught by the next compare-and-set. The feed proves itself with a heartbeat through every
/// primary (see <c>Internal/RedisInvalidationFeed.cs</c>).
/// </remarks>
public sealed partial class RedisSessionStore : ISessionInvalidationSource
{
    /// <inheritdoc />
    /// <exception cref="InvalidOperationException"><see cref="RedisSessionStoreOptions.PublishInvalidations"/> is off.</exception>
    public async Task<IAsyncDisposable> SubscribeInvalidationsAsync(ISessionInvalidationListener listener, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (_announceChannel.IsNullOrEmpty)
        {
            throw new InvalidOperationException(
                "A near cache needs RedisSessionStoreOptions.PublishInvalidations on (in every process that writes the store).");
        }

        try
        {
            await DatabaseAsync(cancellationToken).ConfigureAwait(false);
            return await RedisInvalidationFeed.StartAsync(_connection!, _keys, listener, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            throw new SessionStoreException("Subscribing to the Redis invalidation channel failed.", ex, isTransient: true);
        }
    }

    private void AnnounceAllChanged(IDatabase db)
    {
        if (!_announceChannel.IsNullOrEmpty)
        {
            _ = db.PublishAsync(_keys.Invalidations, RedisInvalidationFeed.AllChanged, CommandFlags.FireAndForget);
        }
    }
}
