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
        var inside = new int[3];
        var overlaps = 0;
        await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Task.Run(async () =>
        {
            // Some give up (tiny timeouts) while others are handed the gate, and some holders pass a store failure on:
            // none of these races may lose a turn or let two holders of one key in at once.
            var key = i % 3;
            try
            {
                var held = await gate.EnterAsync("k" + key, 1000, i % 7 == 0 ? TimeSpan.FromTicks(1) : Long, Ct);
                if (Interlocked.Increment(ref inside[key]) > 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                await Task.Yield();
                Interlocked.Decrement(ref inside[key]);
                held.Release(i % 11 == 0 ? new SessionStoreException("down (test)", null, isTransient: true) : null);
            }
            catch (SessionStoreException)
            {
                // Busy (gave up), or failed by a holder's store failure.
            }
        }, Ct)));

        Assert.Equal(0, overlaps);
        Assert.Equal(0, gate.ActiveKeys);
    }

    [Fact]
    public async Task A_waiter_giving_up_as_a_store_failure_is_passed_on_releases_nothing()
    {
        var gate = new SessionGate();
        for (var round = 0; round < 200; round++)
        {
            var holder = await gate.EnterAsync("s", 100, Long, Ct);
            using var cancel = new CancellationTokenSource();
            var waiter = gate.EnterAsync("s", 100, Long, cancel.Token).AsTask();

            // The failure hand-off and the give-up race; whichever wins, the waiter holds nothing afterwards.
            var failing = Task.Run(() => holder.Release(new SessionStoreException("down (test)", null, isTransient: true)), Ct);
            await cancel.CancelAsync();
            await failing;
            await Assert.ThrowsAnyAsync<Exception>(() => waiter);

            var next = await gate.EnterAsync("s", 0, Long, Ct);
            Assert.Equal(0, gate.Waiting("s"));
            var blocked = gate.EnterAsync("s", 100, Long, Ct).AsTask();
            Assert.False(blocked.IsCompleted, "a stray release let a second holder in");
            next.Dispose();
            (await blocked).Dispose();
        }

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
}
