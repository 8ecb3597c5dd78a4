using System;
using System.Threading.Tasks;
using Xunit;

#pragma warning disable CS1591

namespace SessionStores.Conformance;

public abstract partial class SessionStoreConformanceTests<TFixture>
{
    [Fact]
    public async Task Versions_start_at_1_and_grow_by_exactly_1_per_successful_set()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var id = NewId();

        for (var expected = 1; expected <= 5; expected++)
        {
            var version = await SetOkAsync(store, id, Write(Data("v" + expected)));
            Assert.Equal(expected, version);
            Assert.Equal(expected, (await store.GetAsync(id, Token))!.Version);
        }
    }

    [Fact]
    public async Task Touch_and_GetAndTouch_change_neither_version_nor_data()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("a")));
        await SetOkAsync(store, id, Write(Data("b")));

        Assert.True(await store.TouchAsync(id, LongTtl, Token));
        var touched = await store.GetAndTouchAsync(id, LongTtl, Token);

        Assert.NotNull(touched);
        Assert.Equal(2, touched.Version);
        Assert.Equal(Data("b"), touched.Data.ToArray());
        var read = await store.GetAsync(id, Token);
        Assert.Equal(2, read!.Version);
        Assert.Equal(Data("b"), read.Data.ToArray());
    }

    [Fact]
    public async Task Compare_and_set_with_the_live_version_succeeds_and_increments()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("a")));

        var result = await store.SetAsync(id, Write(Data("b"), expectedVersion: 1), Token);

        Assert.True(result.Succeeded);
        Assert.Equal(2, result.Version);
        Assert.Equal(Data("b"), (await store.GetAsync(id, Token))!.Data.ToArray());
    }

    [Fact]
    public async Task Compare_and_set_with_a_stale_version_reports_the_current_version_and_writes_nothing()
    {
        Requires(ConformanceCapabilities.Subjects | ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("a"), subject: "alice"));
        await SetOkAsync(store, id, Write(Data("b"), subject: "alice"));
        var before = await store.GetAsync(id, Token);

        var result = await store.SetAsync(id, Write(Data("lost"), TimeSpan.FromSeconds(5), "bob", expectedVersion: 1), Token);

        Assert.True(result.IsConflict);
        Assert.False(result.Succeeded);
        Assert.Equal(2, result.Version);
        var after = await store.GetAsync(id, Token);
        Assert.NotNull(after);
        Assert.Equal(Data("b"), after.Data.ToArray());
        Assert.Equal(2, after.Version);
        Assert.Equal("alice", after.Subject);
        AssertSameExpiry(before!.ExpiresAt, after.ExpiresAt);
        if (Supports(ConformanceCapabilities.Listing))
        {
            Assert.Equal(0, await store.CountAsync(SessionQuery.ForSubject("bob"), Token));
        }
    }

    [Fact]
    public async Task Compare_and_set_with_a_future_version_conflicts()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("a")));

        var result = await store.SetAsync(id, Write(Data("b"), expectedVersion: 7), Token);

        Assert.True(result.IsConflict);
        Assert.Equal(1, result.Version);
    }

    [Fact]
    public async Task Expected_version_0_creates_an_absent_session()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var id = NewId();

        var result = await store.SetAsync(id, Write(Data("new"), expectedVersion: 0), Token);

        Assert.True(result.Succeeded);
        Assert.Equal(1, result.Version);
        Assert.Equal(Data("new"), (await store.GetAsync(id, Token))!.Data.ToArray());
    }

    [Fact]
    public async Task Expected_version_0_does_not_overwrite_a_live_session()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("first")));

        var result = await store.SetAsync(id, Write(Data("second"), expectedVersion: 0), Token);

        Assert.True(result.IsConflict);
        Assert.Equal(1, result.Version);
        Assert.Equal(Data("first"), (await store.GetAsync(id, Token))!.Data.ToArray());
    }

    [Fact]
    public async Task A_positive_expected_version_on_an_absent_session_conflicts_with_version_0_and_creates_nothing()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var id = NewId();

        var result = await store.SetAsync(id, Write(Data("x"), expectedVersion: 1), Token);

        Assert.True(result.IsConflict);
        Assert.Equal(0, result.Version);
        Assert.Null(await store.GetAsync(id, Token));
        await AssertCountAsync(store, 0);
    }

    [Fact]
    public async Task A_destroyed_session_has_version_0()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("x")));
        await SetOkAsync(store, id, Write(Data("y")));
        await store.DestroyAsync(id, Token);

        var stale = await store.SetAsync(id, Write(Data("z"), expectedVersion: 2), Token);
        var created = await store.SetAsync(id, Write(Data("z"), expectedVersion: 0), Token);

        Assert.True(stale.IsConflict);
        Assert.Equal(0, stale.Version);
        Assert.True(created.Succeeded);
        Assert.Equal(1, created.Version);
    }
}
