using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.AspNetCore.Internal;
using Xunit;

namespace SessionStores.AspNetCore.Tests;

/// <summary>The keyed gate behind <see cref="SessionConcurrency.Serialized"/>, directly.</summary>
public sealed class SessionGateTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Holders_follow_each_other_in_arrival_order_and_the_key_is_forgotten_after()
    {
        var gate = new SessionGate();
        var order = new List<int>();
        var first = await gate.EnterAsync("s", 100, Long, Ct);
        var waiters = Enumerable.Range(1, 20).Select(i => EnterAndRecordAsync(gate, order, i)).ToList();

        first.Dispose();
        await Task.WhenAll(waiters);

        Assert.Equal(Enumerable.Range(1, 20), order);
        Assert.Equal(0, gate.ActiveKeys);
    }

    [Fact]
    public async Task Different_keys_do_not_wait_for_each_other()
    {
        var gate = new SessionGate();
        using var a = await gate.EnterAsync("a", 0, Long, Ct);
        var b = gate.EnterAsync("b", 0, Long, Ct);

        Assert.True(b.IsCompletedSuccessfully);
        (await b).Dispose();
        a.Dispose();
        Assert.Equal(0, gate.ActiveKeys);
    }

    [Fact]
    public async Task A_waiter_that_gives_up_leaves_the_queue_and_the_next_one_gets_its_turn()
    {
        var gate = new SessionGate();
        var holder = await gate.EnterAsync("s", 100, Long, Ct);
        using var cancel = new CancellationTokenSource();
        var leaving = gate.EnterAsync("s", 100, Long, cancel.Token).AsTask();
        var timingOut = gate.EnterAsync("s", 100, TimeSpan.FromMilliseconds(50), Ct).AsTask();
        var staying = gate.EnterAsync("s", 100, Long, Ct).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        var busy = await Assert.ThrowsAsync<SessionBusyException>(() => timingOut);
        Assert.True(busy.IsTransient);
        holder.Dispose();

        (await staying).Dispose();
        Assert.Equal(0, gate.ActiveKeys);
    }

    [Fact]
    public async Task Beyond_the_waiter_limit_entering_fails_at_once()
    {
        var gate = new SessionGate();
        using var holder = await gate.EnterAsync("s", 1, Long, Ct);
        var waiting = gate.EnterAsync("s", 1, Long, Ct).AsTask();

        Assert.Throws<SessionBusyException>(() => gate.EnterAsync("s", 1, Long, Ct));
        holder.Dispose();
        (await waiting).Dispose();
    }

    [Fact]
    public async Task Many_racing_holders_never_overlap_and_leave_nothing_behind()
    {
        var gate = new SessionGate();
        var inside = 0;
        var maxInside = 0;
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            // Some give up (short timeouts) while others are handed the gate: the give-up race must not lose a turn.
            try
            {
                using var held = await gate.EnterAsync("k" + (i % 3), 1000, i % 7 == 0 ? TimeSpan.FromTicks(1) : Long, Ct);
                var now = Interlocked.Increment(ref inside);
                InterlockedMax(ref maxInside, now);
                await Task.Yield();
                Interlocked.Decrement(ref inside);
            }
            catch (SessionBusyException)
            {
            }
        }, Ct)));

        Assert.True(maxInside <= 3, $"at most one holder per key (3 keys), saw {maxInside} at once");
        Assert.Equal(0, gate.ActiveKeys);
    }

    [Fact]
    public async Task A_holder_that_met_a_store_failure_answers_the_queued_waiters_with_it_and_later_arrivals_try_afresh()
    {
        var gate = new SessionGate();
        var holder = await gate.EnterAsync("s", 100, Long, Ct);
        var queued = Enumerable.Range(0, 3).Select(_ => gate.EnterAsync("s", 100, Long, Ct).AsTask()).ToList();
        var stall = new SessionStoreException("store down (test)", new TimeoutException(), isTransient: true);

        holder.Release(stall);

        foreach (var waiter in queued)
        {
            var failure = await Assert.ThrowsAsync<SessionStoreException>(() => waiter);
            Assert.True(failure.IsTransient);
            Assert.Same(stall, failure.InnerException);
        }

        Assert.Equal(0, gate.ActiveKeys);
        (await gate.EnterAsync("s", 100, Long, Ct)).Dispose();
    }

    [Fact]
    public async Task Releasing_twice_passes_the_gate_on_once()
    {
        var gate = new SessionGate();
        var holder = await gate.EnterAsync("s", 100, Long, Ct);
        var second = gate.EnterAsync("s", 100, Long, Ct).AsTask();
        var third = gate.EnterAsync("s", 100, Long, Ct).AsTask();

        holder.Dispose();
        holder.Dispose();
        var held = await second;

        Assert.False(third.IsCompleted);
        held.Dispose();
        (await third).Dispose();
    }

    private static async Task EnterAndRecordAsync(SessionGate gate, List<int> order, int i)
    {
        // Entered in order of the calls (each call queues synchronously before the next one starts).
        var entering = gate.EnterAsync("s", 100, Long, Ct);
        using var held = await entering;
        lock (order)
        {
            order.Add(i);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
