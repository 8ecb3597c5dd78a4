using System;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionStores.Memory;
using Xunit;

namespace SessionStores.Abstractions.Tests;

/// <summary>Leases of the in-memory store on a fake clock: a waiter is woken by the release itself (the clock stands
/// still, so no re-check timer can fire), and expiry follows the store's clock.</summary>
public sealed class MemoryLeaseTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_waiter_is_woken_by_the_release_while_the_clock_stands_still()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        using var store = new MemorySessionStore(timeProvider: clock);
        var holder = await store.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, TestContext.Current.CancellationToken);
        Assert.NotNull(holder);

        var waiter = store.AcquireLeaseAsync("a", Minute, Minute, TestContext.Current.CancellationToken);
        Assert.False(waiter.IsCompleted);
        Assert.True(await store.ReleaseLeaseAsync(holder, TestContext.Current.CancellationToken));

        var taken = await waiter.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.NotNull(taken);
        Assert.True(taken.Fence > holder.Fence);
    }

    [Fact]
    public async Task A_lease_expires_on_the_store_clock_and_wakes_a_waiter_when_it_does()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        using var store = new MemorySessionStore(timeProvider: clock);
        var holder = await store.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, TestContext.Current.CancellationToken);
        Assert.NotNull(holder);
        clock.Advance(Minute - TimeSpan.FromMilliseconds(1));
        Assert.Null(await store.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, TestContext.Current.CancellationToken));

        // The memory store's first attempt and its timer are set up before the call returns.
        var waiter = store.AcquireLeaseAsync("a", Minute, TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);
        Assert.False(waiter.IsCompleted);

        // The re-check is bounded by the holder's remaining time: the waiter takes the lease once that has passed.
        clock.Advance(TimeSpan.FromSeconds(1));
        var taken = await waiter.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.NotNull(taken);
        Assert.False(await store.RenewLeaseAsync(holder, Minute, TestContext.Current.CancellationToken));
    }
}
