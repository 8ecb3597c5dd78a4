using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

#pragma warning disable CS1591

namespace SessionStores.Conformance;

// Expiry against real time with short TTLs, so every backend (and its own clock) is exercised. Every "still alive"
// assertion has a margin of at least a second, so a slow machine cannot make it flaky; every "expired" assertion waits
// well past the TTL (plus ExpirySlack for a store with whole-second expiry, whose sessions may live that much longer,
// never shorter). No assertion is about how long an operation took.
public abstract partial class SessionStoreConformanceTests<TFixture>
{
    private static readonly TimeSpan ShortTtl = TimeSpan.FromMilliseconds(300);

    private Task PastShortTtl() => Task.Delay(TimeSpan.FromMilliseconds(800) + ExpirySlack, Token);

    [Fact]
    public async Task An_expired_session_is_absent_for_every_operation()
    {
        RequiresNo(ConformanceFormatLimits.ExpiryFromData);
        Requires(ConformanceCapabilities.Subjects);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("x"), ShortTtl, subject: "alice"));

        await PastShortTtl();

        Assert.Null(await store.GetAsync(id, Token));
        Assert.Null(await store.GetAndTouchAsync(id, LongTtl, Token));
        Assert.False(await store.TouchAsync(id, LongTtl, Token));
        if (Supports(ConformanceCapabilities.Listing))
        {
            Assert.Equal(0, await store.CountAsync(SessionQuery.All, Token));
            Assert.Equal(0, await store.CountAsync(SessionQuery.ForSubject("alice"), Token));
            Assert.Empty(await ListAllAsync(store, SessionQuery.All));
            Assert.Empty(await ListAllAsync(store, SessionQuery.ForSubject("alice")));
            Assert.Equal(0, await store.DestroyManyAsync(SessionQuery.ForSubject("alice"), Token));
            Assert.Equal(0, await store.DestroyManyAsync(SessionQuery.All, Token));
        }

        Assert.False(await store.DestroyAsync(id, Token));
        Assert.Null(await store.GetAsync(id, Token));
    }

    [Fact]
    public async Task An_expired_session_has_version_0_and_is_created_anew()
    {
        RequiresNo(ConformanceFormatLimits.ExpiryFromData);
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("old"), ShortTtl));
        await SetOkAsync(store, id, Write(Data("old2"), ShortTtl));
        var old = await store.GetAsync(id, Token);

        await PastShortTtl();

        var stale = await store.SetAsync(id, Write(Data("new"), expectedVersion: 2), Token);
        Assert.True(stale.IsConflict);
        Assert.Equal(0, stale.Version);
        var created = await store.SetAsync(id, Write(Data("new"), expectedVersion: 0), Token);
        Assert.True(created.Succeeded);
        Assert.Equal(1, created.Version);
        var record = await store.GetAsync(id, Token);
        Assert.NotNull(record);
        Assert.Equal(Data("new"), record.Data.ToArray());
        Assert.True(old is null || record.CreatedAt > old.CreatedAt, "a session re-created after expiry must get a new created-at");
    }

    [Fact]
    public async Task An_unconditional_set_after_expiry_starts_again_at_version_1()
    {
        RequiresNo(ConformanceFormatLimits.ExpiryFromData);
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("a"), ShortTtl));
        await SetOkAsync(store, id, Write(Data("b"), ShortTtl));

        await PastShortTtl();

        Assert.Equal(1, await SetOkAsync(store, id, Write(Data("c"))));
    }

    [Fact]
    public async Task Touch_does_not_resurrect_an_expired_session()
    {
        RequiresNo(ConformanceFormatLimits.ExpiryFromData);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("x"), ShortTtl));

        await PastShortTtl();

        Assert.False(await store.TouchAsync(id, LongTtl, Token));
        Assert.Null(await store.GetAsync(id, Token));
        await AssertCountAsync(store, 0);
    }

    [Fact]
    public async Task GetAndTouch_does_not_resurrect_an_expired_session()
    {
        RequiresNo(ConformanceFormatLimits.ExpiryFromData);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("x"), ShortTtl));

        await PastShortTtl();

        Assert.Null(await store.GetAndTouchAsync(id, LongTtl, Token));
        Assert.Null(await store.GetAsync(id, Token));
    }

    [Fact]
    public async Task GetAndTouch_of_an_absent_session_returns_null_and_creates_nothing()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var id = NewId();

        Assert.Null(await store.GetAndTouchAsync(id, LongTtl, Token));

        Assert.Null(await store.GetAsync(id, Token));
        await AssertCountAsync(store, 0);
        Assert.Equal(1, await SetOkAsync(store, id, Write(Data("x"), expectedVersion: 0)));
    }

    [Fact]
    public async Task Touch_of_an_absent_session_returns_false_and_creates_nothing()
    {
        var store = await CreateStoreAsync();
        var id = NewId();

        Assert.False(await store.TouchAsync(id, LongTtl, Token));

        Assert.Null(await store.GetAsync(id, Token));
        await AssertCountAsync(store, 0);
    }

    [Fact]
    public async Task Touch_extends_the_life_of_a_session_beyond_its_original_ttl()
    {
        RequiresNo(ConformanceFormatLimits.ExpiryFromData);
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var touched = NewId();
        var untouched = NewId();
        var ttl = TimeSpan.FromMilliseconds(1500);
        await SetOkAsync(store, touched, Write(Data("t"), ttl));
        await SetOkAsync(store, untouched, Write(Data("u"), ttl));

        Assert.True(await store.TouchAsync(touched, TimeSpan.FromSeconds(4) + ExpirySlack, Token));
        await Task.Delay(TimeSpan.FromMilliseconds(2200) + ExpirySlack, Token);

        var record = await store.GetAsync(touched, Token);
        Assert.NotNull(record);
        Assert.Equal(1, record.Version);
        Assert.Null(await store.GetAsync(untouched, Token));
    }

    [Fact]
    public async Task GetAndTouch_slides_the_expiry_and_returns_the_new_expiry()
    {
        RequiresNo(ConformanceFormatLimits.ExpiryFromData);
        var store = await CreateStoreAsync();
        var id = NewId();
        var ttl = TimeSpan.FromMilliseconds(1500);
        await SetOkAsync(store, id, Write(Data("x"), ttl));
        var before = await store.GetAsync(id, Token);

        var touched = await store.GetAndTouchAsync(id, TimeSpan.FromSeconds(4) + ExpirySlack, Token);
        await Task.Delay(TimeSpan.FromMilliseconds(2200) + ExpirySlack, Token);

        Assert.NotNull(touched);
        Assert.Equal(Data("x"), touched.Data.ToArray());
        Assert.True(touched.ExpiresAt - before!.ExpiresAt >= TimeSpan.FromMilliseconds(2400), $"{touched.ExpiresAt:O} vs {before.ExpiresAt:O}");
        Assert.NotNull(await store.GetAsync(id, Token));
    }

    [Fact]
    public async Task Touch_can_also_shorten_the_expiry()
    {
        RequiresNo(ConformanceFormatLimits.ExpiryFromData);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("x")));

        Assert.True(await store.TouchAsync(id, ShortTtl, Token));
        await PastShortTtl();

        Assert.Null(await store.GetAsync(id, Token));
    }

    [Fact]
    public async Task A_sub_second_ttl_is_not_rounded_up_to_whole_seconds()
    {
        RequiresNo(ConformanceFormatLimits.ExpiryFromData);
        Requires(ConformanceCapabilities.MillisecondExpiry);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("x"), ShortTtl));

        // 300 ms rounded up to a whole second would still be alive here.
        await Task.Delay(TimeSpan.FromMilliseconds(850), Token);

        Assert.Null(await store.GetAsync(id, Token));
    }

    [Fact]
    public async Task Expiry_has_millisecond_precision()
    {
        RequiresNo(ConformanceFormatLimits.ExpiryFromData);
        Requires(ConformanceCapabilities.MillisecondExpiry);
        var store = await CreateStoreAsync();
        var a = NewId();
        var b = NewId();

        // Compare two expiries set by the same clock, so clock skew between app and server cannot matter.
        var stopwatch = Stopwatch.StartNew();
        await SetOkAsync(store, a, Write(Data("a"), TimeSpan.FromMilliseconds(61_100)));
        await SetOkAsync(store, b, Write(Data("b"), TimeSpan.FromMilliseconds(61_437)));
        var elapsed = stopwatch.Elapsed;
        var ra = await store.GetAsync(a, Token);
        var rb = await store.GetAsync(b, Token);

        var difference = rb!.ExpiresAt - ra!.ExpiresAt;
        Assert.InRange(difference.TotalMilliseconds, 337 - 2, 337 + elapsed.TotalMilliseconds + 2);
    }

    [Fact]
    public async Task Expired_sessions_leave_live_ones_untouched_in_listings_and_counts()
    {
        RequiresNo(ConformanceFormatLimits.ExpiryFromData);
        Requires(ConformanceCapabilities.Subjects | ConformanceCapabilities.Listing);
        var store = await CreateStoreAsync();
        var live = Enumerable.Range(0, 5).Select(_ => NewId()).ToArray();
        foreach (var id in live)
        {
            await SetOkAsync(store, id, Write(Data("live"), subject: "alice"));
        }

        for (var i = 0; i < 5; i++)
        {
            await SetOkAsync(store, NewId(), Write(Data("dead"), ShortTtl, subject: "alice"));
        }

        await PastShortTtl();

        Assert.Equal(5, await store.CountAsync(SessionQuery.All, Token));
        Assert.Equal(5, await store.CountAsync(SessionQuery.ForSubject("alice"), Token));
        Assert.Equal(live.Order(StringComparer.Ordinal), (await ListAllAsync(store, SessionQuery.All)).Select(s => s.Id).Order(StringComparer.Ordinal));
        Assert.Equal(live.Order(StringComparer.Ordinal), (await ListAllAsync(store, SessionQuery.ForSubject("alice"))).Select(s => s.Id).Order(StringComparer.Ordinal));
        Assert.Equal(5, await store.DestroyManyAsync(SessionQuery.ForSubject("alice"), Token));
    }
}
