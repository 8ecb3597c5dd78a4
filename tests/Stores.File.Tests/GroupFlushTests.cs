using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.File.Internal;
using Xunit;

namespace SessionStores.File.Tests;

/// <summary>
/// The sessions directory's group commit (<see cref="GroupFlush{THandle}"/>): no change is acknowledged before a flush
/// that began after it has ended; changes made while a flush runs share the next one, and wait for it without
/// holding a thread. The flush here is a recording stand-in that a test can hold up, so each step is observed, not
/// timed; the real flush is exercised by <see cref="DurabilityTests"/> and the store tests.
/// </summary>
public sealed class GroupFlushTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_change_with_no_flush_under_way_is_flushed_at_once_on_the_callers_thread()
    {
        var flushes = new FlushRecorder();
        var group = new GroupFlush<string>(flushes.Flush);

        var done = group.FlushAfterChangeAsync("w1");

        Assert.True(done.IsCompletedSuccessfully);
        Assert.Equal([("w1", Environment.CurrentManagedThreadId)], flushes.Calls);
    }

    [Fact]
    public async Task Changes_made_during_a_flush_wait_for_one_more_flush_that_they_all_share()
    {
        var (flushes, group, first) = StartWithFirstFlushHeld();
        var later = Enumerable.Range(2, 5).Select(i => group.FlushAfterChangeAsync($"w{i}")).ToArray();

        // Their changes came after the running flush began: it cannot acknowledge them, and none of them blocked.
        Assert.All(later, t => Assert.False(t.IsCompleted));
        flushes.Release();
        await first.WaitAsync(Patience, TestContext.Current.CancellationToken);
        await Task.WhenAll(later).WaitAsync(Patience, TestContext.Current.CancellationToken);

        // One flush for the five, through the handle of the first of them to join (kept open by that writer).
        Assert.Equal(["w1", "w2"], flushes.Calls.Select(c => c.Handle));
    }

    [Fact]
    public async Task After_a_group_flush_the_next_change_starts_a_flush_of_its_own()
    {
        var (flushes, group, first) = StartWithFirstFlushHeld();
        var second = group.FlushAfterChangeAsync("w2");
        flushes.Release();
        await second.WaitAsync(Patience, TestContext.Current.CancellationToken);
        await first.WaitAsync(Patience, TestContext.Current.CancellationToken);

        // No flush is under way any more: the next change is flushed at once, inline.
        var third = group.FlushAfterChangeAsync("w3");
        Assert.True(third.IsCompletedSuccessfully);
        Assert.Equal(["w1", "w2", "w3"], flushes.Calls.Select(c => c.Handle));
    }

    [Fact]
    public async Task A_failed_flush_fails_every_change_it_was_to_cover_and_the_next_change_flushes_again()
    {
        var (flushes, group, first) = StartWithFirstFlushHeld();
        flushes.FailNext(new IOException("disk gone"));
        var waiting = new[] { group.FlushAfterChangeAsync("w2"), group.FlushAfterChangeAsync("w3") };
        flushes.Release();
        await first.WaitAsync(Patience, TestContext.Current.CancellationToken);

        foreach (var change in waiting)
        {
            var error = await Assert.ThrowsAsync<IOException>(() => change.WaitAsync(Patience, TestContext.Current.CancellationToken));
            Assert.Equal("disk gone", error.Message);
        }

        // Nothing counts as flushed after the failure: the next change gets a flush of its own.
        Assert.True(group.FlushAfterChangeAsync("w4").IsCompletedSuccessfully);
        Assert.Equal(["w1", "w2", "w4"], flushes.Calls.Select(c => c.Handle));
    }

    [Fact]
    public void A_lone_flush_that_fails_throws_to_its_caller_and_does_not_stop_later_flushes()
    {
        var flushes = new FlushRecorder();
        var group = new GroupFlush<string>(flushes.Flush);
        flushes.FailNext(new IOException("disk gone"));

        // Thrown by the call itself (the caller awaits it, so to the caller it is the same as a failed task).
        Assert.Throws<IOException>(() => { _ = group.FlushAfterChangeAsync("w1"); });
        Assert.True(group.FlushAfterChangeAsync("w2").IsCompletedSuccessfully);
        Assert.Equal(["w1", "w2"], flushes.Calls.Select(c => c.Handle));
    }

    [Fact]
    public async Task Under_many_concurrent_writers_no_change_is_acknowledged_before_a_later_flush_has_ended()
    {
        // Flushes run one at a time, so they are numbered in order: a change that saw n flushes begun before it can
        // only be covered by flush n + 1 or later, so its acknowledgement needs at least n + 1 ended.
        var flushes = new FlushRecorder();
        var group = new GroupFlush<string>(flushes.Flush);
        var violations = new ConcurrentBag<string>();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                var startedBefore = flushes.Started;
                await group.FlushAfterChangeAsync($"w{w}-{i}");
                if (flushes.Ended <= startedBefore)
                {
                    violations.Add($"w{w}-{i}: acknowledged with {flushes.Ended} ended flushes, {startedBefore} begun before it");
                }
            }
        }, TestContext.Current.CancellationToken)).ToArray();

        await Task.WhenAll(writers).WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Empty(violations);
        Assert.Equal(0, flushes.Overlaps);
        Assert.InRange(flushes.Calls.Count, 1, 1600);
    }

    /// <summary>A group commit whose first change ("w1", from another thread) is being flushed, the flush held up until
    /// <see cref="FlushRecorder.Release"/>.</summary>
    private static (FlushRecorder Flushes, GroupFlush<string> Group, Task First) StartWithFirstFlushHeld()
    {
        var flushes = new FlushRecorder();
        var group = new GroupFlush<string>(flushes.Flush);
        flushes.HoldNext();
        var first = Task.Run(() => group.FlushAfterChangeAsync("w1"), TestContext.Current.CancellationToken);
        flushes.WaitUntilHeld();
        return (flushes, group, first);
    }

    /// <summary>Records each flush (handle and thread), counts flushes begun and ended, and can hold one up or fail it.</summary>
    private sealed class FlushRecorder
    {
        private readonly Lock _lock = new();
        private readonly List<(string Handle, int Thread)> _calls = [];
        private readonly ManualResetEventSlim _held = new();
        private ManualResetEventSlim? _hold;
        private ManualResetEventSlim? _holding;
        private int _running;
        private int _overlaps;
        private Exception? _failure;
        private int _failAt;
        private int _started;
        private int _ended;

        public IReadOnlyList<(string Handle, int Thread)> Calls
        {
            get
            {
                lock (_lock)
                {
                    return _calls.ToArray();
                }
            }
        }

        public int Started => Volatile.Read(ref _started);

        public int Ended => Volatile.Read(ref _ended);

        /// <summary>How many flushes began while another was running (the group commit runs one at a time).</summary>
        public int Overlaps => Volatile.Read(ref _overlaps);

        public void HoldNext() => _hold = _holding = new ManualResetEventSlim();

        public void WaitUntilHeld() => Assert.True(_held.Wait(Patience));

        public void Release() => _holding!.Set();

        /// <summary>Fails the next flush to begin (not one already under way).</summary>
        public void FailNext(Exception error)
        {
            _failure = error;
            Volatile.Write(ref _failAt, Started + 1);
        }

        public void Flush(string handle)
        {
            var number = Interlocked.Increment(ref _started);
            if (Interlocked.Increment(ref _running) > 1)
            {
                Interlocked.Increment(ref _overlaps);
            }

            try
            {
                Record(handle, number);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        private void Record(string handle, int number)
        {
            lock (_lock)
            {
                _calls.Add((handle, Environment.CurrentManagedThreadId));
            }

            if (Interlocked.Exchange(ref _hold, null) is { } hold)
            {
                _held.Set();
                Assert.True(hold.Wait(Patience));
            }

            if (number == Volatile.Read(ref _failAt))
            {
                throw _failure!;
            }

            Interlocked.Increment(ref _ended);
        }
    }
}
