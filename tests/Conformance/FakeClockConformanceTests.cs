using System;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Xunit;

#pragma warning disable CS1591

namespace SessionStores.Conformance;

// Exact expiry boundaries on a fake clock: alive one millisecond before now + TTL, absent at now + TTL.
public abstract partial class FakeClockConformanceTests<TFixture>
{
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private async Task<(ISessionStore Store, FakeTimeProvider Clock)> CreateClockedStoreAsync()
    {
        var clock = new FakeTimeProvider(Start);
        var store = await CreateStoreAsync(new ConformanceStoreOptions(NewNamespace()) { Clock = clock });
        return (store, clock);
    }

    [Fact]
    public async Task A_session_is_alive_until_the_last_millisecond_of_its_ttl_and_absent_from_then_on()
    {
        Requires(ConformanceCapabilities.Subjects | ConformanceCapabilities.CompareAndSet | ConformanceCapabilities.Listing);
        var (store, clock) = await CreateClockedStoreAsync();
        var id = NewId();
        await store.SetAsync(id, new SessionWrite(Data("1"), TimeSpan.FromSeconds(10), "alice"), Token);

        clock.Advance(TimeSpan.FromMilliseconds(9_999));
        Assert.NotNull(await store.GetAsync(id, Token));
        Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject("alice"), Token));

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await store.GetAsync(id, Token));
        Assert.Null(await store.GetAndTouchAsync(id, TimeSpan.FromMinutes(1), Token));
        Assert.False(await store.TouchAsync(id, TimeSpan.FromMinutes(1), Token));
        Assert.Equal(0, await store.CountAsync(SessionQuery.All, Token));
        Assert.Equal(0, await store.CountAsync(SessionQuery.ForSubject("alice"), Token));
        Assert.Empty(await ListAllAsync(store, SessionQuery.All));
        Assert.False(await store.DestroyAsync(id, Token));
        Assert.Equal(0, (await store.SetAsync(id, new SessionWrite(Data("2"), TimeSpan.FromSeconds(1), expectedVersion: 1), Token)).Version);
    }

    [Fact]
    public async Task Expiry_and_created_at_are_exactly_the_clock_plus_ttl_to_the_millisecond()
    {
        var (store, clock) = await CreateClockedStoreAsync();
        var id = NewId();
        clock.Advance(TimeSpan.FromMilliseconds(123));

        await store.SetAsync(id, new SessionWrite(Data("1"), TimeSpan.FromMilliseconds(4567)), Token);

        var record = await store.GetAsync(id, Token);
        Assert.Equal(Start.AddMilliseconds(123), record!.CreatedAt);
        Assert.Equal(Start.AddMilliseconds(123 + 4567), record.ExpiresAt);
    }

    [Fact]
    public async Task A_ttl_with_a_fraction_of_a_millisecond_is_rounded_up()
    {
        var (store, _) = await CreateClockedStoreAsync();
        var id = NewId();

        await store.SetAsync(id, new SessionWrite(Data("1"), TimeSpan.FromTicks(15_000)), Token);

        Assert.Equal(Start.AddMilliseconds(2), (await store.GetAsync(id, Token))!.ExpiresAt);
    }

    [Fact]
    public async Task Touch_moves_the_expiry_to_now_plus_the_new_ttl()
    {
        var (store, clock) = await CreateClockedStoreAsync();
        var id = NewId();
        await store.SetAsync(id, new SessionWrite(Data("1"), TimeSpan.FromSeconds(1)), Token);
        clock.Advance(TimeSpan.FromMilliseconds(900));

        Assert.True(await store.TouchAsync(id, TimeSpan.FromSeconds(1), Token));

        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.NotNull(await store.GetAsync(id, Token));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await store.GetAsync(id, Token));
    }

    [Fact]
    public async Task GetAndTouch_moves_the_expiry_and_reports_it()
    {
        var (store, clock) = await CreateClockedStoreAsync();
        var id = NewId();
        await store.SetAsync(id, new SessionWrite(Data("1"), TimeSpan.FromSeconds(1)), Token);
        clock.Advance(TimeSpan.FromMilliseconds(500));

        var record = await store.GetAndTouchAsync(id, TimeSpan.FromSeconds(2), Token);

        Assert.Equal(Start.AddMilliseconds(2500), record!.ExpiresAt);
        clock.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.NotNull(await store.GetAsync(id, Token));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await store.GetAsync(id, Token));
    }

    [Fact]
    public async Task A_long_expired_session_stays_absent_and_can_be_created_again_from_version_1()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var (store, clock) = await CreateClockedStoreAsync();
        var id = NewId();
        await store.SetAsync(id, new SessionWrite(Data("1"), TimeSpan.FromSeconds(1)), Token);
        await store.SetAsync(id, new SessionWrite(Data("2"), TimeSpan.FromSeconds(1)), Token);

        clock.Advance(TimeSpan.FromDays(30));

        Assert.Null(await store.GetAsync(id, Token));
        var result = await store.SetAsync(id, new SessionWrite(Data("3"), TimeSpan.FromSeconds(1), expectedVersion: 0), Token);
        Assert.True(result.Succeeded);
        Assert.Equal(1, result.Version);
        Assert.Equal(Start.AddDays(30), (await store.GetAsync(id, Token))!.CreatedAt);
    }
}
