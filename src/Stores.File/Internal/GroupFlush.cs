using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.File.Internal;

/// <summary>
/// Group commit of a directory's flushes: a flush that starts after a change acknowledges that change, so writers that
/// renamed or deleted while another writer's flush was running all share the next flush instead of each running one.
/// The guarantee is the one a flush per change gives (no change is acknowledged before a flush that began after it
/// ended); what it saves is flushes under concurrency, each of which waits for the disk.
/// </summary>
/// <remarks>
/// A writer that finds no flush running flushes at once, on its own thread, as a lone writer always did. Writers that
/// arrive while a flush runs do not block a thread each: they join the next group and await it, and a thread-pool
/// work item flushes each group in turn until none is waiting. Blocking them (each on a lock, then woken) cost two
/// context switches per write under load, which on this project's benchmark machine was a third of a write's CPU
/// (docs/benchmarks.md). A group is flushed through the directory handle of the first writer that joined it, which
/// that writer opened before its change and keeps open until the group is done, so only the flush itself can fail
/// once a change is visible.
/// </remarks>
/// <typeparam name="THandle">What a flush goes through: <see cref="DirectorySync.Handle"/> (tests pass their own).</typeparam>
internal sealed class GroupFlush<THandle>
{
    private readonly Action<THandle> _flush;
    private readonly Lock _gate = new();
    private long _changes;
    private long _flushed;
    private bool _running;
    private Group? _pending;

    /// <summary>Creates the group commit of one directory.</summary>
    /// <param name="flush">Flushes the directory through a writer's handle; throws when the flush fails.</param>
    public GroupFlush(Action<THandle> flush) => _flush = flush;

    /// <summary>
    /// Makes a change just made in the directory durable: completes once a flush that started after the change has
    /// ended, running one through <paramref name="directory"/> (opened before the change, kept open by the caller until
    /// the returned task completes) unless another flush is under way, which this change then waits to follow.
    /// </summary>
    /// <returns>A task that fails with the flush's <see cref="System.IO.IOException"/> if the flush covering this
    /// change fails (then no change it would have covered counts as flushed).</returns>
    public Task FlushAfterChangeAsync(THandle directory)
    {
        // Counted after the change: a flush that reads a count including this ticket started after the change.
        var ticket = Interlocked.Increment(ref _changes);
        long covered;
        lock (_gate)
        {
            if (_flushed >= ticket)
            {
                return Task.CompletedTask;
            }

            if (_running)
            {
                return (_pending ??= new Group(directory)).Done.Task;
            }

            _running = true;
            covered = _changes;
        }

        // No flush under way: this writer's own, inline.
        var flushed = false;
        try
        {
            _flush(directory);
            flushed = true;
        }
        finally
        {
            EndFlush(flushed ? covered : 0);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// After a flush: records what it covered (nothing when it failed), then ends the run, or hands the group that
    /// queued meanwhile to a work item, which flushes it and comes back here.
    /// </summary>
    private void EndFlush(long covered)
    {
        lock (_gate)
        {
            _flushed = Math.Max(_flushed, covered);
            if (_pending is null)
            {
                _running = false;
                return;
            }
        }

        ThreadPool.UnsafeQueueUserWorkItem(static self => self.FlushPendingGroup(), this, preferLocal: false);
    }

    private void FlushPendingGroup()
    {
        Group group;
        long covered;
        lock (_gate)
        {
            group = _pending!;
            _pending = null;
            covered = _changes;
        }

        try
        {
            _flush(group.Directory);
        }
        catch (Exception ex)
        {
            EndFlush(0);
            group.Done.SetException(ex);
            return;
        }

        EndFlush(covered);
        group.Done.SetResult();
    }

    /// <summary>The writers waiting for the same flush.</summary>
    private sealed class Group(THandle directory)
    {
        public THandle Directory { get; } = directory;

        // Completed from the flushing thread: the writers go on elsewhere, not inline one after the other.
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
