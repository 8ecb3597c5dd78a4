using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores;

public partial class NearCachedSessionStore
{
    /// <summary>Stops the feed and the background touches (touches still queued are dropped: their sessions keep the
    /// expiry the store has), then disposes the inner store when the cache owns it.</summary>
    /// <returns>A task that completes when everything stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!StartDisposing())
        {
            return;
        }

        await _touches.ConfigureAwait(false);
        await _feed.ConfigureAwait(false);
        if (Interlocked.Exchange(ref _subscription, null) is { } subscription)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }

        if (_disposeInner)
        {
            if (Inner is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                (Inner as IDisposable)?.Dispose();
            }
        }

        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>As <see cref="DisposeAsync"/>, without waiting for the background work to notice (it ends on its own).</summary>
    public void Dispose()
    {
        if (!StartDisposing())
        {
            return;
        }

        if (Interlocked.Exchange(ref _subscription, null) is { } subscription)
        {
            // Every feed of this library is also IDisposable; another one ends its subscription in the background.
            if (subscription is IDisposable disposable)
            {
                disposable.Dispose();
            }
            else
            {
                _ = subscription.DisposeAsync().AsTask();
            }
        }

        if (_disposeInner)
        {
            (Inner as IDisposable)?.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    private bool StartDisposing()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return false;
        }

        _table.SetAvailable(false);
        _touchQueue.Writer.TryComplete();
        _stopping.Cancel();
        return true;
    }
}
