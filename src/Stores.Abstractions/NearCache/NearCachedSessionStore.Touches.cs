using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace SessionStores;

public partial class NearCachedSessionStore
{
    // At most this many touches are sent together; a backlog beyond it goes in the next batch.
    private const int TouchBatchSize = 256;

    private readonly ConcurrentDictionary<string, PendingTouch> _pendingTouches = new(StringComparer.Ordinal);
    private readonly Channel<string> _touchQueue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _touches;

    /// <summary>Queues a touch of the store's copy, once per session however many reads ask for it meanwhile.</summary>
    private void ScheduleTouch(NearCacheEntry entry, TimeSpan ttl)
    {
        if (_pendingTouches.TryAdd(entry.Id, new PendingTouch(entry.Version, ttl)))
        {
            _touchQueue.Writer.TryWrite(entry.Id);
        }
    }

    /// <summary>Sends the queued touches: every touch queued when a batch starts goes out together (the drivers pipeline
    /// concurrent calls), and the next batch starts when it is done.</summary>
    private async Task StartTouchesAsync(CancellationToken stopping)
    {
        await Task.Yield();
        var batch = new List<Task>(TouchBatchSize);
        try
        {
            while (await _touchQueue.Reader.WaitToReadAsync(stopping).ConfigureAwait(false))
            {
                while (batch.Count < TouchBatchSize && _touchQueue.Reader.TryRead(out var id))
                {
                    if (_pendingTouches.TryGetValue(id, out var touch))
                    {
                        batch.Add(TouchInBackgroundAsync(id, touch, stopping));
                    }
                }

                await Task.WhenAll(batch).ConfigureAwait(false);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed: touches still queued are dropped; their sessions keep the expiry they have in the store.
        }
    }

    private async Task TouchInBackgroundAsync(string id, PendingTouch touch, CancellationToken stopping)
    {
        var sent = _table.Now();
        try
        {
            if (await Inner.TouchAsync(id, touch.Ttl, stopping).ConfigureAwait(false))
            {
                Touched(id, touch.Version, sent, touch.Ttl);
            }
            else
            {
                // Gone meanwhile (destroyed, or expired): never resurrected, and no longer served.
                _table.Remove(id);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            _table.Remove(id);
        }
        catch (Exception ex)
        {
            // The next sliding read goes to the store, which slides the expiry itself (or reports the failure to its caller).
            _table.Remove(id);
            Log.BackgroundTouchFailed(_logger, SessionValidation.Tag(id), ex);
            NearCacheMetrics.TouchFailed();
        }
        finally
        {
            _pendingTouches.TryRemove(id, out _);
        }
    }

    private readonly record struct PendingTouch(long Version, TimeSpan Ttl);
}
