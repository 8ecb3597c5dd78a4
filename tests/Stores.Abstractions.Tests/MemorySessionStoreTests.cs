using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionStores.Memory;
using Xunit;

namespace SessionStores.Abstractions.Tests;

public sealed class MemorySessionStoreTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static System.Threading.CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_pruning_pass_inspects_at_most_the_batch_size_and_later_passes_finish_the_job()
    {
        var clock = new FakeTimeProvider();
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { PruneBatchSize = 30, PruneInterval = TimeSpan.FromHours(1) }, clock);
        for (var i = 0; i < 100; i++)
        {
            await store.SetAsync($"s{i}", new SessionWrite(new byte[] { 1 }, TimeSpan.FromSeconds(1)), Token);
        }

        await store.SetAsync("live", new SessionWrite(new byte[] { 2 }, TimeSpan.FromHours(2)), Token);
        clock.Advance(TimeSpan.FromSeconds(2));

        var first = await store.PruneAsync(Token);

        Assert.InRange(first, 1, 30);
        Assert.Equal(101 - first, store.EntryCount);
        var total = first;
        for (var pass = 0; pass < 10 && store.EntryCount > 1; pass++)
        {
            total += await store.PruneAsync(Token);
        }

        Assert.Equal(100, total);
        Assert.Equal(1, store.EntryCount);
        Assert.NotNull(await store.GetAsync("live", Token));
    }

    [Fact]
    public async Task Each_pruning_pass_inspects_at_most_the_batch_size_of_subjects_and_later_passes_drop_every_empty_one()
    {
        // Given one live subject and 100 whose sessions were destroyed, leaving their index sets empty
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { PruneBatchSize = 30, PruneInterval = TimeSpan.FromHours(1) }, new FakeTimeProvider());
        await store.SetAsync("kept", new SessionWrite(new byte[] { 1 }, Minute, "kept-user"), Token);
        for (var i = 0; i < 100; i++)
        {
            await store.SetAsync($"s{i}", new SessionWrite(new byte[] { 1 }, Minute, $"user{i}"), Token);
            Assert.True(await store.DestroyAsync($"s{i}", Token));
        }

        Assert.Equal(101, store.SubjectIndexCount);

        // When one pass runs, then more
        await store.PruneAsync(Token);
        var afterOnePass = store.SubjectIndexCount;
        for (var pass = 0; pass < 10 && store.SubjectIndexCount > 1; pass++)
        {
            await store.PruneAsync(Token);
        }

        // Then the first pass dropped at most one batch, and later passes dropped every empty set but kept the live one
        Assert.InRange(afterOnePass, 101 - 30, 100);
        Assert.Equal(1, store.SubjectIndexCount);
        Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject("kept-user"), Token));
    }

    [Fact]
    public async Task A_listing_never_yields_a_session_that_expired_while_it_was_running()
    {
        // Given two sessions with the same expiry
        var clock = new FakeTimeProvider();
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { PruneInterval = TimeSpan.FromHours(1) }, clock);
        await store.SetAsync("a", new SessionWrite(new byte[] { 1 }, Minute), Token);
        await store.SetAsync("b", new SessionWrite(new byte[] { 1 }, Minute), Token);
        await using var listing = store.ListAsync(SessionQuery.All, Token).GetAsyncEnumerator(Token);
        Assert.True(await listing.MoveNextAsync());

        // When both expire after the listing yielded the first one
        clock.Advance(Minute);

        // Then the second one is not yielded
        Assert.False(await listing.MoveNextAsync());
    }

    [Fact]
    public async Task The_background_pruner_runs_on_the_clock()
    {
        var clock = new FakeTimeProvider();
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { PruneInterval = Minute }, clock);
        await store.SetAsync("a", new SessionWrite(new byte[] { 1 }, TimeSpan.FromSeconds(5)), Token);
        Assert.Equal(1, store.EntryCount);

        clock.Advance(Minute);

        Assert.Equal(0, store.EntryCount);
    }

    [Fact]
    public async Task A_full_store_refuses_new_sessions_with_a_transient_error_but_keeps_serving_existing_ones()
    {
        var clock = new FakeTimeProvider();
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { MaxSessions = 2 }, clock);
        await store.SetAsync("a", new SessionWrite(new byte[] { 1 }, Minute), Token);
        await store.SetAsync("b", new SessionWrite(new byte[] { 1 }, TimeSpan.FromSeconds(1)), Token);

        var ex = await Assert.ThrowsAsync<SessionStoreException>(() => store.SetAsync("c", new SessionWrite(new byte[] { 1 }, Minute), Token));

        Assert.True(ex.IsTransient);
        Assert.StartsWith("Memory session store: Set failed: the store holds its maximum of 2 sessions", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxSessions", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await store.SetAsync("a", new SessionWrite(new byte[] { 2 }, Minute), Token)).Version);
        Assert.Null(await store.GetAsync("c", Token));
    }

    [Fact]
    public async Task A_full_store_makes_room_by_pruning_expired_sessions_first()
    {
        var clock = new FakeTimeProvider();
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { MaxSessions = 2 }, clock);
        await store.SetAsync("a", new SessionWrite(new byte[] { 1 }, Minute), Token);
        await store.SetAsync("b", new SessionWrite(new byte[] { 1 }, TimeSpan.FromSeconds(1)), Token);
        clock.Advance(TimeSpan.FromSeconds(2));

        var result = await store.SetAsync("c", new SessionWrite(new byte[] { 1 }, Minute), Token);

        Assert.True(result.Succeeded);
        Assert.Equal(2, store.EntryCount);
    }

    [Fact]
    public async Task Stored_data_is_a_copy_of_the_callers_buffer()
    {
        using var store = new MemorySessionStore();
        var buffer = new byte[] { 1, 2, 3 };
        await store.SetAsync("a", new SessionWrite(buffer, Minute), Token);

        buffer[0] = 99;

        Assert.Equal(new byte[] { 1, 2, 3 }, (await store.GetAsync("a", Token))!.Data.ToArray());
    }

    [Fact]
    public async Task Data_already_returned_does_not_change_when_a_later_write_reuses_the_sessions_buffer()
    {
        // Given a record read (and one listed with its data) before a write of the same length
        using var store = new MemorySessionStore();
        await store.SetAsync("a", new SessionWrite(new byte[] { 1, 2, 3 }, Minute), Token);
        var read = (await store.GetAsync("a", Token))!;
        var touched = (await store.GetAndTouchAsync("a", Minute, Token))!;
        var listed = await store.ListAsync(new SessionQuery { IncludeData = true }, Token).SingleAsync(Token);

        // When the session is rewritten in place, then shrunk
        await store.SetAsync("a", new SessionWrite(new byte[] { 7, 8, 9 }, Minute), Token);
        await store.SetAsync("a", new SessionWrite(new byte[] { 5 }, Minute), Token);

        // Then what was returned earlier still holds the old data, and a new read the latest
        Assert.Equal(new byte[] { 1, 2, 3 }, read.Data.ToArray());
        Assert.Equal(new byte[] { 1, 2, 3 }, touched.Data.ToArray());
        Assert.Equal(new byte[] { 1, 2, 3 }, listed.Data!.Value.ToArray());
        Assert.Equal(new byte[] { 5 }, (await store.GetAsync("a", Token))!.Data.ToArray());
    }

    [Fact]
    public async Task One_timer_tick_sweeps_the_whole_store_in_back_to_back_passes()
    {
        // Given more expired sessions than five passes of 10 inspect, and one live session
        var clock = new FakeTimeProvider();
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { PruneBatchSize = 10, PruneInterval = Minute }, clock);
        for (var i = 0; i < 60; i++)
        {
            await store.SetAsync($"brief-{i}", new SessionWrite(new byte[] { 1 }, TimeSpan.FromSeconds(1)), Token);
        }

        await store.SetAsync("live", new SessionWrite(new byte[] { 2 }, TimeSpan.FromHours(1)), Token);

        // When one tick fires
        clock.Advance(Minute);

        // Then it removed every expired session
        Assert.Equal(1, store.EntryCount);
    }
}
