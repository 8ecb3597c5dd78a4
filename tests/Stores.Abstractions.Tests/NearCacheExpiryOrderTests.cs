using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionStores.Memory;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Abstractions.Tests;

// The expiry the near cache knows of and the one it leaves in the store, when the caller's own calls about a session
// overlap the cache's background touch, a sliding read still under way, or a sliding read that failed.
public sealed class NearCacheExpiryOrderTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Short = TimeSpan.FromMinutes(1);
    private static readonly SessionStoreNearCacheOptions Options = new() { MaxEntryAge = TimeSpan.FromHours(1) };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_background_touch_under_way_completes_before_a_shorter_touch_the_caller_makes_later()
    {
        await using var near = await Near.StartAsync();
        var (clock, memory, store, cache) = (near.Clock, near.Memory, near.Store, near.Cache);
        await near.CachedAsync("a");
        clock.Advance(TimeSpan.FromMinutes(6));

        // Served from memory, which sends a background touch (held at the store); then the caller shortens the expiry
        // (as the ASP.NET integration does in a session's last idle window).
        var held = store.HoldNextTouch();
        await cache.GetAndTouchAsync("a", Ttl, Token);
        await held.Started.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        var shortened = cache.TouchAsync("a", Short, Token);
        held.Release.SetResult();
        Assert.True(await shortened);
        await Poll.UntilAsync(() => cache.PendingTouchCount == 0, "a background touch never finished", timeoutMs: 10_000);

        Assert.Equal((clock.GetUtcNow() + Short).ToUnixTimeMilliseconds(), (await memory.GetAsync("a", Token))!.ExpiresAt.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task A_queued_background_touch_is_withdrawn_by_a_write_with_a_shorter_ttl()
    {
        await using var near = await Near.StartAsync();
        var (clock, memory, store, cache) = (near.Clock, near.Memory, near.Store, near.Cache);
        await near.CachedAsync("other", "a");
        clock.Advance(TimeSpan.FromMinutes(6));

        // Another session's background touch is under way (held), so the one of "a" waits in the queue behind it.
        var held = store.HoldNextTouch();
        await cache.GetAndTouchAsync("other", Ttl, Token);
        await held.Started.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        await cache.GetAndTouchAsync("a", Ttl, Token);
        var written = await cache.SetAsync("a", new SessionWrite(new byte[] { 2 }, Short, expectedVersion: 1), Token);
        Assert.True(written.Succeeded);
        held.Release.SetResult();
        await Poll.UntilAsync(() => cache.PendingTouchCount == 0, "a background touch never finished", timeoutMs: 10_000);

        Assert.Equal((clock.GetUtcNow() + Short).ToUnixTimeMilliseconds(), (await memory.GetAsync("a", Token))!.ExpiresAt.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task A_sliding_read_answered_after_a_shorter_touch_does_not_cache_the_longer_expiry()
    {
        await using var near = await Near.StartAsync();
        var (clock, memory, store, cache) = (near.Clock, near.Memory, near.Store, near.Cache);
        await memory.SetAsync("a", new SessionWrite(new byte[] { 1 }, Ttl), Token);

        var held = store.HoldNextGetAndTouchReply();
        var read = cache.GetAndTouchAsync("a", Ttl, Token);
        await held.Started.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.True(await cache.TouchAsync("a", Short, Token));
        held.Release.SetResult();
        Assert.NotNull(await read);

        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(await memory.GetAsync("a", Token));
        Assert.Null(await cache.GetAsync("a", Token));
    }

    [Fact]
    public async Task A_sliding_read_that_failed_leaves_no_entry_with_the_expiry_it_may_have_changed()
    {
        await using var near = await Near.StartAsync();
        var (clock, memory, store, cache) = (near.Clock, near.Memory, near.Store, near.Cache);
        await near.CachedAsync("a");

        // Applied by the store, but the answer is lost (a timeout): the store's expiry is now the shorter one.
        store.FailNextGetAndTouchAfterApplying = true;
        await Assert.ThrowsAsync<SessionStoreException>(() => cache.GetAndTouchAsync("a", Short, Token));

        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(await memory.GetAsync("a", Token));
        Assert.Null(await cache.GetAsync("a", Token));
    }

    /// <summary>A call held at the store until the test releases it.</summary>
    private sealed class Hold
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The real in-memory store, with calls the test can hold or make fail.</summary>
    private sealed class HeldStore(ISessionStore inner) : ISessionStore
    {
        private readonly Queue<Hold> _touchHolds = new();
        private Hold? _replyHold;

        public bool FailNextGetAndTouchAfterApplying { get; set; }

        /// <summary>Holds the next background or foreground touch before it reaches the store.</summary>
        public Hold HoldNextTouch()
        {
            var hold = new Hold();
            lock (_touchHolds)
            {
                _touchHolds.Enqueue(hold);
            }

            return hold;
        }

        /// <summary>Lets the next sliding read reach the store, then holds its answer.</summary>
        public Hold HoldNextGetAndTouchReply() => _replyHold = new Hold();

        public Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

        public async Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
        {
            var record = await inner.GetAndTouchAsync(id, ttl, cancellationToken);
            if (FailNextGetAndTouchAfterApplying)
            {
                FailNextGetAndTouchAfterApplying = false;
                throw new SessionStoreException("the answer was lost (test)", null, isTransient: true);
            }

            if (Interlocked.Exchange(ref _replyHold, null) is { } hold)
            {
                hold.Started.SetResult();
                await hold.Release.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }

            return record;
        }

        public Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default) => inner.SetAsync(id, write, cancellationToken);

        public async Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
        {
            Hold? hold = null;
            lock (_touchHolds)
            {
                _touchHolds.TryDequeue(out hold);
            }

            if (hold is not null)
            {
                hold.Started.SetResult();
                await hold.Release.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }

            return await inner.TouchAsync(id, ttl, cancellationToken);
        }

        public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default) => inner.DestroyAsync(id, cancellationToken);

        public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default) => inner.ListAsync(query, cancellationToken);

        public Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default) => inner.CountAsync(query, cancellationToken);

        public Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default) => inner.DestroyManyAsync(query, cancellationToken);
    }

    /// <summary>The in-memory store on a fake clock, wrapped so calls can be held, under a near cache whose feed is live.</summary>
    private sealed class Near : IAsyncDisposable
    {
        private Near(FakeTimeProvider clock, MemorySessionStore memory, HeldStore store, NearCachedSessionStore cache) =>
            (Clock, Memory, Store, Cache) = (clock, memory, store, cache);

        public FakeTimeProvider Clock { get; }

        public MemorySessionStore Memory { get; }

        public HeldStore Store { get; }

        public NearCachedSessionStore Cache { get; }

        public static async Task<Near> StartAsync()
        {
            var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
            var memory = new MemorySessionStore(new MemorySessionStoreOptions(), clock);
            var store = new HeldStore(memory);
            var feed = new ManualFeed();
            var cache = NearCachedSessionStore.Create(store, feed, Options, timeProvider: clock);
            await feed.LiveAsync();
            return new Near(clock, memory, store, cache);
        }

        /// <summary>Stores each session (TTL 10 minutes) and loads it through the cache, which then holds it.</summary>
        public async Task CachedAsync(params string[] ids)
        {
            foreach (var id in ids)
            {
                await Memory.SetAsync(id, new SessionWrite(new byte[] { 1 }, Ttl), Token);
                await Cache.GetAndTouchAsync(id, Ttl, Token);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Cache.DisposeAsync();
            Memory.Dispose();
        }
    }
}
