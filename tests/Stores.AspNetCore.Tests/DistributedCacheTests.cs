using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;
using SessionStores.Memory;
using Xunit;

namespace SessionStores.AspNetCore.Tests;

/// <summary>The IDistributedCache adapter over a real (in-memory) store, counting round trips at the store.</summary>
public sealed class DistributedCacheTests
{
    private static readonly byte[] Value = [1, 2, 3];

    private readonly InterceptingSessionStore _store = new(new MemorySessionStore());

    private SessionStoreDistributedCache Cache => new(_store, Options.Create(new SessionStoreDistributedCacheOptions()));

    [Fact]
    public async Task Set_get_and_remove_round_trip_any_key()
    {
        var ct = TestContext.Current.CancellationToken;
        const string key = "user:42/profile?x=ä ~";
        await Cache.SetAsync(key, Value, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) }, ct);
        Assert.Equal(Value, await Cache.GetAsync(key, ct));
        Assert.Null(await Cache.GetAsync("user:42/profile?x=a ~", ct));
        await Cache.RemoveAsync(key, ct);
        Assert.Null(await Cache.GetAsync(key, ct));
    }

    [Fact]
    public async Task Sliding_entries_are_touched_on_read_and_absolute_ones_are_not()
    {
        var ct = TestContext.Current.CancellationToken;
        await Cache.SetAsync("sliding", Value, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(5) }, ct);
        await Cache.SetAsync("absolute", Value, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) }, ct);
        _store.ResetCounts();
        await Cache.GetAsync("sliding", ct);
        Assert.Equal(1, _store.Touches);
        await Cache.GetAsync("absolute", ct);
        await Cache.RefreshAsync("absolute", ct);
        Assert.Equal(1, _store.Touches);
    }

    [Fact]
    public async Task An_entry_past_its_absolute_expiration_is_never_served_even_if_the_store_still_holds_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new MemorySessionStore(null, clock);
        var cache = new SessionStoreDistributedCache(store, Options.Create(new SessionStoreDistributedCacheOptions()), clock);
        await cache.SetAsync("k", Value, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1), SlidingExpiration = TimeSpan.FromSeconds(30) }, ct);

        // A read that began before this entry was written slides it by the earlier entry's longer window.
        var id = Assert.Single(await store.ListAsync(SessionQuery.All, ct).ToListAsync(ct)).Id;
        Assert.True(await store.TouchAsync(id, TimeSpan.FromMinutes(20), ct));
        clock.Advance(TimeSpan.FromMinutes(2));

        Assert.Null(await cache.GetAsync("k", ct));
    }

    [Fact]
    public async Task Misuse_is_reported_not_ignored()
    {
        var ct = TestContext.Current.CancellationToken;
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Cache.SetAsync("k", Value, new DistributedCacheEntryOptions { AbsoluteExpiration = DateTimeOffset.UtcNow.AddMinutes(-1) }, ct));
        Assert.Throws<NotSupportedException>(() => Cache.Get("k"));
        Assert.Throws<NotSupportedException>(() => Cache.Set("k", Value, new DistributedCacheEntryOptions()));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Cache.SetAsync("k", Value, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.Zero }, ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Cache.SetAsync("k", Value, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(-1) }, ct));
        Assert.Equal(0, _store.Sets);
        var longKey = new string('x', 1000);
        await Cache.SetAsync(longKey, Value, new DistributedCacheEntryOptions(), ct);
        Assert.Equal(Value, await Cache.GetAsync(longKey, ct));
    }

    [Fact]
    public async Task A_sliding_window_longer_than_the_longest_ttl_slides_by_that_ttl()
    {
        var ct = TestContext.Current.CancellationToken;
        await Cache.SetAsync("forever", Value, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.MaxValue }, ct);
        await Cache.SetAsync("long", Value, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromDays(1000) }, ct);

        // Read twice: each read slides; the entries stay readable and their expiry stays within the store's limit.
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(Value, await Cache.GetAsync("forever", ct));
            Assert.Equal(Value, await Cache.GetAsync("long", ct));
        }

        await Cache.RefreshAsync("forever", ct);
        var stored = await _store.Inner.GetAsync("cache.forever", ct);
        Assert.NotNull(stored);
        Assert.InRange(stored.ExpiresAt - DateTimeOffset.UtcNow, SessionLimits.MaxTtl - TimeSpan.FromMinutes(1), SessionLimits.MaxTtl);
    }

    [Fact]
    public async Task The_relative_expiration_wins_over_the_absolute_one_as_in_Microsofts_caches()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new DistributedCacheEntryOptions
        {
            AbsoluteExpiration = DateTimeOffset.UtcNow.AddDays(10),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5),
        };
        await Cache.SetAsync("both", Value, options, ct);

        var stored = await _store.Inner.GetAsync("cache.both", ct);
        Assert.NotNull(stored);
        Assert.InRange(stored.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
    }
}
