using System.Threading;

namespace SessionStores.File.Internal;

/// <summary>
/// Group commit of a directory's flushes: a flush that starts after a change acknowledges that change, so writers that
/// renamed or deleted while another writer's flush was running all share the next flush instead of each running one.
/// The guarantee is the one a flush per change gives (no change is acknowledged before a flush that began after it
/// ended); what it saves is flushes under concurrency, each of which waits for the file system's journal.
/// </summary>
internal sealed class GroupFlush
{
    // Threads that need a flush queue here; whoever holds it flushes for every change counted so far.
    private readonly Lock _flushing = new();
    private long _changes;
    private long _flushed;

    /// <summary>
    /// Makes a change just made in the directory durable: returns once a flush that started after the change has ended,
    /// running one through <paramref name="directory"/> (opened before the change, so that only the flush itself can
    /// fail once the change is visible) unless another thread's does.
    /// </summary>
    /// <exception cref="System.IO.IOException">The flush failed (then no change it would have covered counts as flushed).</exception>
    public void FlushAfterChange(in DirectorySync.Handle directory)
    {
        // Counted after the change: a flush that reads a count including this ticket started after the change.
        var ticket = Interlocked.Increment(ref _changes);
        lock (_flushing)
        {
            if (Volatile.Read(ref _flushed) >= ticket)
            {
                return;
            }

            var covered = Volatile.Read(ref _changes);
            directory.Flush();
            Volatile.Write(ref _flushed, covered);
        }
    }
}
