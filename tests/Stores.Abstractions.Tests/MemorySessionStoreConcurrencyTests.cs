using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionStores.Memory;
using Xunit;

namespace SessionStores.Abstractions.Tests;

/// <summary>
/// Races inside the in-memory store. Each test hammers one race window from dedicated threads; the store's operations
/// complete synchronously, so each worker runs on its own thread and a deadlock cannot starve the thread pool.
/// </summary>
public sealed class MemorySessionStoreConcurrencyTests
{
    // Only a hang reaches this; a healthy run takes a second or two. It is a deadlock detector, not a duration check.
    private static readonly TimeSpan HangTimeout = TimeSpan.FromMinutes(2);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Writers_at_the_cap_and_the_pruner_never_deadlock()
    {
        // Given a small cap, short-lived sessions on a fake clock, and a pruner timer that fires on every clock step
        const int writers = 4;
        const int writesEach = 20_000;
        var clock = new FakeTimeProvider();
        using var store = new MemorySessionStore(
            new MemorySessionStoreOptions { MaxSessions = 4, PruneBatchSize = 2, PruneInterval = TimeSpan.FromMilliseconds(1) },
            clock);
        using var stop = new CancellationTokenSource();

        // When writers keep creating sessions (pruning at the cap) while the clock expires them and runs the pruner
        var pruner = RunOnOwnThread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                clock.Advance(TimeSpan.FromMilliseconds(1));
            }

            return Task.CompletedTask;
        });
        var writing = Enumerable.Range(0, writers).Select(w => RunOnOwnThread(async () =>
        {
            for (var i = 0; i < writesEach; i++)
            {
                try
                {
                    await store.SetAsync($"w{w}-{i}", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMilliseconds(3)), Token);
                }
                catch (SessionStoreException ex) when (ex.IsTransient)
                {
                    // Full: every slot is live at this instant. Refusal is the documented behaviour at the cap.
                }
            }
        })).ToArray();

        // Then every writer and the pruner finish (a deadlock would hang them forever)
        try
        {
            await Task.WhenAll(writing).WaitAsync(HangTimeout, Token);
        }
        finally
        {
            await stop.CancelAsync();
        }

        await pruner.WaitAsync(HangTimeout, Token);
        Assert.InRange(store.EntryCount, 0, 4);
    }

    [Fact]
    public async Task Concurrent_creations_never_exceed_the_cap()
    {
        // Given a store with room for one session
        const int writers = 4;
        const int attemptsEach = 50_000;
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { MaxSessions = 1 }, new FakeTimeProvider());
        var peak = 0;

        // When writers race to create their own session and destroy it again
        var writing = Enumerable.Range(0, writers).Select(w => RunOnOwnThread(async () =>
        {
            var id = $"w{w}";
            for (var i = 0; i < attemptsEach; i++)
            {
                try
                {
                    await store.SetAsync(id, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token);
                }
                catch (SessionStoreException ex) when (ex.IsTransient)
                {
                    continue;
                }

                InterlockedMax(ref peak, store.EntryCount);
                await store.DestroyAsync(id, Token);
            }
        })).ToArray();
        await Task.WhenAll(writing).WaitAsync(HangTimeout, Token);

        // Then no moment ever held more sessions than the cap
        Assert.Equal(1, peak);
        Assert.Equal(0, store.EntryCount);
    }

    [Fact]
    public async Task A_session_created_while_the_pruner_drops_its_subjects_empty_index_stays_findable_by_subject()
    {
        // Given a subject whose only session comes and goes, so its index set keeps turning empty
        const int rounds = 100_000;
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { PruneInterval = TimeSpan.FromHours(1) }, new FakeTimeProvider());
        var bySubject = SessionQuery.ForSubject("user");
        using var stop = new CancellationTokenSource();
        var pruner = RunOnOwnThread(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await store.PruneAsync(CancellationToken.None);
            }
        });

        // When the session is re-created while the pruner keeps dropping empty subject sets
        var misses = 0;
        var writer = RunOnOwnThread(async () =>
        {
            for (var i = 0; i < rounds; i++)
            {
                await store.SetAsync("s", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1), "user"), Token);
                if (await store.CountAsync(bySubject, Token) != 1)
                {
                    misses++;
                }

                await store.DestroyAsync("s", Token);
            }
        });
        try
        {
            await writer.WaitAsync(HangTimeout, Token);
        }
        finally
        {
            await stop.CancelAsync();
        }

        await pruner.WaitAsync(HangTimeout, Token);

        // Then every live session was found by its subject
        Assert.Equal(0, misses);
    }

    private static Task RunOnOwnThread(Func<Task> body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
