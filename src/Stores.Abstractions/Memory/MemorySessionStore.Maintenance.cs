using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Memory;

// Pruning: expired entries and empty subject sets removed in bounded batches, on a timer or on demand. Each pass
// continues where the previous one stopped, so a pass stays bounded however many sessions and subjects there are.
public sealed partial class MemorySessionStore
{
    /// <summary>
    /// Runs one bounded pruning pass now (the timer does this every <see cref="MemorySessionStoreOptions.PruneInterval"/>):
    /// it inspects at most <see cref="MemorySessionStoreOptions.PruneBatchSize"/> entries and as many subject index sets,
    /// each continuing where the previous pass stopped. The pass runs synchronously, on the caller's thread.
    /// </summary>
    /// <param name="cancellationToken">Checked before the pass starts.</param>
    /// <returns>The number of expired sessions removed.</returns>
    public Task<int> PruneAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Run(SessionStoreOperationNames.Prune, this, static store => store.PruneCore());
    }

    private int PruneCore()
    {
        lock (_pruneGate)
        {
            var now = NowMs();
            var removed = 0;
            for (var inspected = 0; inspected < _pruneBatchSize && TryAdvance(ref _pruneCursor, _entries, out var pair); inspected++)
            {
                var (id, entry) = pair;
                if (!entry.IsLive(now) && Remove(id, now, onlyIfExpired: true))
                {
                    removed++;
                }
            }

            PruneEmptySubjects();
            return removed;
        }
    }

    private void PruneOnTimer()
    {
        try
        {
            var removed = PruneCore();
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
