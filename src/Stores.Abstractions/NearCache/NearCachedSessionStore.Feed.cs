using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores;

public partial class NearCachedSessionStore : ISessionInvalidationListener
{
    private static readonly TimeSpan MaxResubscribeDelay = TimeSpan.FromSeconds(5);

    private readonly Task _feed;
    private IAsyncDisposable? _subscription;

    /// <summary>Subscribes, retrying with backoff while the backend cannot be reached (the cache stays bypassed
    /// meanwhile); once subscribed, the feed itself reports losses and returns.</summary>
    private async Task KeepSubscribedAsync(ISessionInvalidationSource invalidations, CancellationToken stopping)
    {
        // Not on the constructor's thread: a feed may connect synchronously before its first await.
        await Task.Yield();
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; !stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                var subscription = await invalidations.SubscribeInvalidationsAsync(this, stopping).ConfigureAwait(false);
                if (Interlocked.CompareExchange(ref _subscription, subscription, null) is not null || stopping.IsCancellationRequested)
                {
                    await subscription.DisposeAsync().ConfigureAwait(false);
                }

                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.SubscribeFailed(_logger, attempt, delay, ex);
                NearCacheMetrics.FeedLost();
            }

            try
            {
                await Task.Delay(delay, Time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxResubscribeDelay.Ticks));
        }
    }

    /// <inheritdoc />
    void ISessionInvalidationListener.OnChanged(string id, long version)
    {
        _table.Invalidate(id, version);
        Interlocked.Increment(ref _announcements);
    }

    /// <inheritdoc />
    void ISessionInvalidationListener.OnAllChanged() => _table.Flush();

    /// <inheritdoc />
    void ISessionInvalidationListener.OnFeedLost(string reason, Exception? exception)
    {
        var wasLive = _table.IsAvailable;
        _table.SetAvailable(false);
        if (wasLive)
        {
            Log.FeedLost(_logger, reason, exception);
            NearCacheMetrics.FeedLost();
        }
    }

    /// <inheritdoc />
    void ISessionInvalidationListener.OnFeedRestored()
    {
        _table.SetAvailable(true);
        Log.FeedLive(_logger);
    }
}
