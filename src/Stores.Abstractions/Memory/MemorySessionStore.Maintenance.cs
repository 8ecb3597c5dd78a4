using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Memory;

// Pruning: expired entries and empty subject sets removed in bounded passes, shard by shard, each pass continuing where
// the previous one stopped. The timer runs passes back to back until a sweep of every shard is done, so however many
// sessions there are, every expired one is gone one interval after it expired; a pass scans slots laid out in arrays,
// which at a million sessions takes milliseconds.
public sealed partial class MemorySessionStore
{
    /// <summary>
    /// Runs one bounded pruning pass now (the timer runs passes every <see cref="MemorySessionStoreOptions.PruneInterval"/>
    /// until it has swept the whole store): it inspects the next shards, continuing where the previous pass stopped,
    /// up to <see cref="MemorySessionStoreOptions.PruneBatchSize"/> entries (at least one shard, about 1/256 of the
    /// store), and as many subject index sets. The pass runs synchronously, on the caller's thread.
    /// </summary>
    /// <param name="cancellationToken">Checked before the pass starts.</param>
    /// <returns>The number of expired sessions removed.</returns>
    public Task<int> PruneAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Run(SessionStoreOperationNames.Prune, this, static store => store.PruneCore());
    }

    private int PruneCore() => PrunePass(out _);

    private int PrunePass(out bool sweepCompleted)
    {
        lock (_pruneGate)
        {
            var now = NowMs();
            var removed = 0;
            var inspected = 0;
            sweepCompleted = false;
            while (!sweepCompleted)
            {
                var shard = _shards[_pruneShard];
                lock (shard)
                {
                    if (inspected > 0 && inspected + shard.Slots.Count > _pruneBatchSize)
                    {
                        break;
                    }

                    inspected += shard.Slots.Count;
                    removed += PruneShardLocked(shard, now);
                }

                _pruneShard = (_pruneShard + 1) % ShardCount;
                sweepCompleted = _pruneShard == 0;
            }

            PruneEmptySubjects();
            return removed;
        }
    }

    private int PruneShardLocked(Shard shard, long now)
    {
        var removed = 0;

        // Removing while enumerating is allowed for Dictionary (it does not invalidate the enumerator).
        foreach (var (id, slot) in shard.Slots)
        {
            if (!slot.IsLive(now))
            {
                RemoveLocked(shard, id, slot.Subject);
                removed++;
            }
        }

        return removed;
    }

    private void PruneOnTimer()
    {
        try
        {
            var removed = 0;
            bool sweepCompleted;
            do
            {
                removed += PrunePass(out sweepCompleted);
            }
            while (!sweepCompleted);

            if (removed > 0)
            {
                Log.Pruned(_logger, removed);
            }
        }
        catch (Exception ex)
        {
            // A timer callback has no caller to throw to; the failure is logged, and the next tick retries.
            Log.PruneFailed(_logger, ex);
        }
    }

    private void PruneEmptySubjects()
    {
        for (var inspected = 0; inspected < _pruneBatchSize && TryAdvance(ref _subjectCursor, _subjects, out var pair); inspected++)
        {
            lock (pair.Value)
            {
                if (pair.Value.IsEmpty)
                {
                    _subjects.TryRemove(pair);
                }
            }
        }
    }

    // One step of a walk resumed across pruning passes: the next item after where the last pass stopped, or false at the
    // end (and the next pass starts over).
    private static bool TryAdvance<T>(ref IEnumerator<T>? cursor, IEnumerable<T> source, [MaybeNullWhen(false)] out T current)
    {
        cursor ??= source.GetEnumerator();
        if (cursor.MoveNext())
        {
            current = cursor.Current;
            return true;
        }

        cursor.Dispose();
        cursor = null;
        current = default;
        return false;
    }
}
