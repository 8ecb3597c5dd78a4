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
/// <para>On a standalone server, when the store opened its own connection, a write announces only when a connection
/// other than this store's own feed listens (see <c>Internal/RedisCommands.Announcements.cs</c>): the store's single
/// feed also subscribes to a channel unique to it, and the write script compares the two channels' subscriber counts.
/// A shared <see cref="RedisSessionStoreOptions.ConnectionMultiplexer"/> (other stores' feeds may share its subscription
/// connection), a second feed of the same store and Redis Cluster always announce.</para>
/// </remarks>
public sealed partial class RedisSessionStore : ISessionInvalidationSource
{
    private readonly Lock _feedGate = new();

    // The channel only this store's single feed subscribes to, and one nobody subscribes to (a store without a live
    // single feed then counts every subscriber of the shared channel as a listener). Set by the constructor.
    private readonly RedisValue _ownChannel;
    private readonly RedisValue _unheardChannel;

    // Whether writes count listeners at all: decided on connecting (a standalone server, this store's own connection).
    private volatile bool _countsListeners;
    private RedisInvalidationFeed? _soloFeed;
    private int _feeds;

    /// <summary>ARGV[6] of the write script: the channel whose subscribers are not counted as listeners.</summary>
    private RedisValue OwnChannelArgument =>
        !_countsListeners ? RedisValue.EmptyString : Volatile.Read(ref _soloFeed) is { IsLive: true } ? _ownChannel : _unheardChannel;

    /// <summary>Whether writes may skip announcing when nobody else listens on <paramref name="connection"/>: only when it
    /// is this store's own connection, every server is connected and standalone (on a cluster <c>PUBSUB NUMSUB</c>
    /// counts only the local node's subscribers).</summary>
    private bool CountsListeners(IConnectionMultiplexer connection)
    {
        if (_ownedConfiguration is null || _announceChannel.IsNullOrEmpty)
        {
            return false;
        }

        var servers = connection.GetServers();
        return servers.Length > 0 && Array.TrueForAll(servers, s => s.IsConnected && s.ServerType == ServerType.Standalone);
    }
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
            bool solo;
            lock (_feedGate)
            {
                // A second feed shares the first one's subscription connection: from now on every write announces (the
                // first feed's own channel is no longer passed). Writes that passed it were sent before this feed's
                // heartbeats on the same connection, so they ran before this feed could be live.
                solo = ++_feeds == 1 && _countsListeners;
                _soloFeed = null;
            }

            RedisInvalidationFeed feed;
            try
            {
                feed = await RedisInvalidationFeed.StartAsync(
                    _connection!, _keys, listener, solo ? RedisChannel.Literal((string)_ownChannel!) : (RedisChannel?)null, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                FeedEnded(null);
                throw;
            }

            lock (_feedGate)
            {
                if (solo && _feeds == 1)
                {
                    _soloFeed = feed;
                }
            }

            return new FeedSubscription(feed, this);
        }
        catch (RedisException ex)
        {
            throw new SessionStoreException("Subscribing to the Redis invalidation channel failed.", ex, isTransient: true);
        }
    }

    private void FeedEnded(RedisInvalidationFeed? feed)
    {
        lock (_feedGate)
        {
            _feeds--;
            if (feed is not null && ReferenceEquals(_soloFeed, feed))
            {
                _soloFeed = null;
            }
        }
    }

    /// <summary>A feed handed to a near cache; ending it stops this store's writes from counting on it.</summary>
    private sealed class FeedSubscription(RedisInvalidationFeed feed, RedisSessionStore store) : IAsyncDisposable, IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                store.FeedEnded(feed);
                feed.Dispose();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                store.FeedEnded(feed);
                await feed.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Tells the near caches that anything may have changed (after a bulk delete, also one that failed part-way),
    /// in the background: its caller's answer does not wait for it. A failure is logged (event 1204), not dropped.</summary>
    private void AnnounceAllChanged(IDatabase db)
    {
        if (!_announceChannel.IsNullOrEmpty)
        {
            _ = AnnounceAllChangedAsync(db);
        }
    }

    private async Task AnnounceAllChangedAsync(IDatabase db)
    {
        try
        {
            await db.PublishAsync(_keys.Invalidations, RedisInvalidationFeed.AllChanged).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.AnnounceFailed(_logger, ex);
        }
    }
}
