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

    /// <summary>Background touches queued or under way (tests).</summary>
    internal int PendingTouchCount => _pendingTouches.Count;

    /// <summary>Queues a touch of the store's copy, once per session however many reads ask for it meanwhile.</summary>
    private void ScheduleTouch(NearCacheEntry entry, TimeSpan ttl)
    {
        if (_pendingTouches.TryAdd(entry.Id, new PendingTouch(entry.Version, ttl)))
        {
            _touchQueue.Writer.TryWrite(entry.Id);
        }
    }

    /// <summary>
    /// Before a call of the caller's own that sets the expiry of <paramref name="id"/> (a write, a touch, a sliding read
    /// sent to the store, a destroy): a background touch still queued is withdrawn, and one already sent is waited for.
    /// Otherwise it could reach the store after the call and replace a shorter expiry the call set (the ASP.NET
    /// integration pulls a session's expiry back to its absolute deadline that way) with its own longer one.
    /// </summary>
    /// <remarks>On every write's path: the lock-free look-up goes first (<c>IsEmpty</c> takes every lock of the dictionary
    /// when it is empty, the usual case), and only a session with a touch pending takes a lock to remove it.</remarks>
    private Task WithdrawTouchAsync(string id, CancellationToken cancellationToken) =>
        _pendingTouches.TryGetValue(id, out _) && _pendingTouches.TryRemove(id, out var touch) ? touch.WithdrawAsync().WaitAsync(cancellationToken) : Task.CompletedTask;

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
                    if (_pendingTouches.TryGetValue(id, out var touch) && touch.TryStart())
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
            // Only this touch: a newer one may have been queued for the session after a caller withdrew this one.
            _pendingTouches.TryRemove(new KeyValuePair<string, PendingTouch>(id, touch));
            touch.Sent();
        }
    }

    /// <summary>A background touch: queued, then either sent (once) or withdrawn by a call of the caller's own.</summary>
    private sealed class PendingTouch(long version, TimeSpan ttl)
    {
        private const int Queued = 0;
        private const int Sending = 1;
        private const int Withdrawn = 2;
        private readonly TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _state;

        public long Version => version;

        public TimeSpan Ttl => ttl;

        /// <summary>Claims the touch for sending; false once withdrawn.</summary>
        public bool TryStart() => Interlocked.CompareExchange(ref _state, Sending, Queued) == Queued;

        /// <summary>Withdraws a queued touch (completed at once), or returns when one already sent is done.</summary>
        public Task WithdrawAsync() => Interlocked.CompareExchange(ref _state, Withdrawn, Queued) == Sending ? _sent.Task : Task.CompletedTask;

        public void Sent() => _sent.TrySetResult();
    }
}
