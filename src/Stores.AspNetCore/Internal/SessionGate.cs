using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// A keyed async gate: one holder per session id at a time, the others waiting in arrival order (FIFO). A key's entry
/// exists only while someone holds or waits for it, so idle sessions cost no memory. Waiting is bounded in count (per
/// key) and in time, and honours cancellation; a waiter that gives up leaves the queue without disturbing the others.
/// A holder can hand its successor the id the session moved to (<see cref="Held.Release"/>), which each next holder
/// receives as <see cref="Held.MovedTo"/>.
/// </summary>
internal sealed class SessionGate
{
    private const int ShardCount = 32;
    private readonly Shard[] _shards = new Shard[ShardCount];

    public SessionGate()
    {
        for (var i = 0; i < _shards.Length; i++)
        {
            _shards[i] = new Shard();
        }
    }

    /// <summary>The number of keys held or waited for (0 when every request is done: nothing leaks).</summary>
    public int ActiveKeys
    {
        get
        {
            var count = 0;
            foreach (var shard in _shards)
            {
                lock (shard)
                {
                    count += shard.Entries.Count;
                }
            }

            return count;
        }
    }

    /// <summary>How many requests wait for <paramref name="key"/> (for tests and diagnostics).</summary>
    public int Waiting(string key)
    {
        var shard = _shards[(int)((uint)StringComparer.Ordinal.GetHashCode(key) % ShardCount)];
        lock (shard)
        {
            return shard.Entries.TryGetValue(key, out var waiters) ? waiters?.Count ?? 0 : 0;
        }
    }

    /// <summary>Takes the gate of <paramref name="key"/>, waiting behind earlier holders.</summary>
    /// <returns>The held gate; dispose it (once) to pass it on.</returns>
    /// <exception cref="SessionBusyException">More than <paramref name="maxWaiters"/> already wait, or
    /// <paramref name="timeout"/> passed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask<Held> EnterAsync(string key, int maxWaiters, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var shard = _shards[(int)((uint)StringComparer.Ordinal.GetHashCode(key) % ShardCount)];
        LinkedListNode<TaskCompletionSource<string?>>? node;
        lock (shard)
        {
            ref var waiters = ref CollectionsMarshal.GetValueRefOrAddDefault(shard.Entries, key, out var held);
            if (!held)
            {
                return new ValueTask<Held>(new Held(this, shard, key));
            }

            if ((waiters?.Count ?? 0) >= maxWaiters)
            {
                throw SessionBusyException.TooManyWaiting(maxWaiters);
            }

            node = (waiters ??= new()).AddLast(new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        return WaitAsync(shard, key, node, timeout, cancellationToken);
    }

    private async ValueTask<Held> WaitAsync(Shard shard, string key, LinkedListNode<TaskCompletionSource<string?>> node, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var movedTo = await node.Value.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return new Held(this, shard, key) { MovedTo = movedTo };
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            bool granted;
            lock (shard)
            {
                // Every completion happens under the lock, so this tells apart "still queued" from "granted meanwhile"
                // (a waiter failed by a holder's store failure was neither: it is already off the queue, and holds nothing).
                granted = node.Value.Task.IsCompletedSuccessfully;
                node.List?.Remove(node);
            }

            if (granted)
            {
                // The gate was handed over just as this waiter gave up: pass it on, or it would stay held forever.
                Release(shard, key, movedTo: node.Value.Task.Result);
            }

            if (ex is TimeoutException)
            {
                throw SessionBusyException.WaitedTooLong(timeout, ex);
            }

            throw;
        }
    }

    private static void Release(Shard shard, string key, SessionStoreException? failure = null, string? movedTo = null)
    {
        lock (shard)
        {
            var waiters = shard.Entries[key];
            if (failure is not null && waiters is { Count: > 0 })
            {
                // The holder found the store unavailable: those queued behind it would meet the same stall one after
                // another (each waiting out the holder before it), so they are answered now. Later arrivals try afresh.
                foreach (var waiter in waiters)
                {
                    waiter.SetException(new SessionStoreException(
                        "An earlier request of this session found the session store unavailable; this request was not run against it.", failure, isTransient: true));
                }

                waiters.Clear();
            }

            if (waiters?.First is { } next)
            {
                waiters.RemoveFirst();
                next.Value.SetResult(movedTo);
            }
            else
            {
                shard.Entries.Remove(key);
            }
        }
    }

    /// <summary>A held gate. Disposing it hands it to the next waiter; a second dispose does nothing.</summary>
    internal sealed class Held : IDisposable
    {
        private readonly SessionGate _gate;
        private readonly Shard _shard;
        private readonly string _key;
        private int _released;

        public Held(SessionGate gate, Shard shard, string key)
        {
            _gate = gate;
            _shard = shard;
            _key = key;
        }

        /// <summary>The id the session moved to, as the previous holder handed it on (<see langword="null"/>: it did
        /// not move).</summary>
        public string? MovedTo { get; init; }

        public void Dispose() => Release(null);

        /// <summary>Hands the gate on; with <paramref name="storeFailure"/> (a transient store failure this holder met),
        /// the waiters queued now fail with it instead of taking their turn; with <paramref name="movedTo"/>, the next
        /// holder learns the id this session now lives under.</summary>
        public void Release(SessionStoreException? storeFailure, string? movedTo = null)
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                SessionGate.Release(_shard, _key, storeFailure, movedTo);
            }
        }
    }

    internal sealed class Shard
    {
        /// <summary>Each held key and the queue behind its holder, created by the first waiter (most sessions never have
        /// one, so holding a gate costs a dictionary entry and nothing else).</summary>
        public Dictionary<string, LinkedList<TaskCompletionSource<string?>>?> Entries { get; } = new(StringComparer.Ordinal);
    }
}
