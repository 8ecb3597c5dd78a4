using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SessionStores.Memory;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Abstractions.Tests;

// The decorator over the in-memory store and a feed the test drives, on one fake clock: lazy touches and registration.
public sealed class NearCachedSessionStoreTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);

    // The fake clock jumps minutes at a time: past the default age cap, which is not what these tests are about.
    private static readonly SessionStoreNearCacheOptions Options = new() { MaxEntryAge = TimeSpan.FromHours(1) };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_sliding_read_from_memory_touches_the_store_only_once_half_the_ttl_is_gone_and_goes_to_it_near_the_end()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var inner = new MemorySessionStore(new MemorySessionStoreOptions(), clock);
        var feed = new ManualFeed();
        await using var cache = NearCachedSessionStore.Create(inner, feed, Options, timeProvider: clock);
        await feed.LiveAsync();
        await inner.SetAsync("a", new SessionWrite(new byte[] { 1 }, Ttl), Token);
        var loaded = await cache.GetAndTouchAsync("a", Ttl, Token);

        clock.Advance(TimeSpan.FromMinutes(4));
        await cache.GetAndTouchAsync("a", Ttl, Token);
        Assert.Equal(loaded!.ExpiresAt, (await inner.GetAsync("a", Token))!.ExpiresAt);

        clock.Advance(TimeSpan.FromMinutes(2));
        var served = await cache.GetAndTouchAsync("a", Ttl, Token);
        await Poll.UntilAsync(async () => (await inner.GetAsync("a", Token))!.ExpiresAt > loaded.ExpiresAt, "the background touch never reached the store", timeoutMs: 10_000);

        Assert.Equal(2, cache.GetStatistics().Hits);
        Assert.Equal(clock.GetUtcNow().AddMinutes(10).ToUnixTimeMilliseconds(), served!.ExpiresAt.ToUnixTimeMilliseconds());

        // Touched at minute 6: until minute 13.5 (a quarter of the TTL left), reads are served from memory.
        clock.Advance(TimeSpan.FromMinutes(9));
        await cache.GetAndTouchAsync("a", Ttl, Token);
        Assert.Equal(2, cache.GetStatistics().Hits);
    }

    [Fact]
    public async Task A_destroyed_session_is_not_resurrected_by_a_background_touch()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var inner = new MemorySessionStore(new MemorySessionStoreOptions(), clock);
        var feed = new ManualFeed();
        await using var cache = NearCachedSessionStore.Create(inner, feed, Options, timeProvider: clock);
        await feed.LiveAsync();
        await inner.SetAsync("a", new SessionWrite(new byte[] { 1 }, Ttl), Token);
        await cache.GetAndTouchAsync("a", Ttl, Token);
        await inner.DestroyAsync("a", Token);

        clock.Advance(TimeSpan.FromMinutes(6));
        await cache.GetAndTouchAsync("a", Ttl, Token);
        await Poll.UntilAsync(() => cache.GetStatistics().Entries == 0, "the entry of the destroyed session was never dropped", timeoutMs: 10_000);

        Assert.Null(await inner.GetAsync("a", Token));
    }

    [Fact]
    public void Registration_checks_the_options_at_start_and_needs_a_store_with_a_feed()
    {
        Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddSessionStoreNearCache());

        var invalid = new ServiceCollection().AddMemorySessionStore().AddSessionStoreNearCache(o => o.MaxEntryAge = TimeSpan.Zero).BuildServiceProvider();
        var problem = Assert.Throws<OptionsValidationException>(() => invalid.GetRequiredService<IOptions<SessionStoreNearCacheOptions>>().Value);
        Assert.Contains("MaxEntryAge", problem.Message, StringComparison.Ordinal);

        using var provider = new ServiceCollection().AddMemorySessionStore().AddSessionStoreNearCache().BuildServiceProvider();
        var noFeed = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ISessionStore>());
        Assert.Contains("AddSessionStoreNearCache", noFeed.Message, StringComparison.Ordinal);
    }
}
