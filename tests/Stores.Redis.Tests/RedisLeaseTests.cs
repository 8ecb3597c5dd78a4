using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using StackExchange.Redis;
using Xunit;

namespace SessionStores.Redis.Tests;

/// <summary>What the lease conformance suite cannot see on Redis: the key layout and the release channel.</summary>
public abstract class RedisLeaseTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : RedisFixture
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    protected TFixture Fixture { get; } = fixture;

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string NewPrefix() => "lease" + Guid.NewGuid().ToString("N")[..10] + ":";

    [Fact]
    public async Task A_lease_is_a_key_outside_the_session_key_space_with_a_fence_key_in_its_slot()
    {
        var prefix = NewPrefix();
        await using var store = await Fixture.StoreAsync(prefix);
        var id = Guid.NewGuid().ToString("N");

        var lease = await store.AcquireLeaseAsync(id, Minute, TimeSpan.Zero, Token);

        Assert.NotNull(lease);
        var db = (await Fixture.ConnectionAsync()).GetDatabase();
        RedisKey leaseKey = prefix + "l{" + id + "}";
        RedisKey fenceKey = prefix + "f{" + id + "}";
        Assert.Equal(lease.Owner, (string?)await db.StringGetAsync(leaseKey));
        Assert.Equal(lease.Fence, (long)await db.StringGetAsync(fenceKey));
        var leaseTtl = await db.KeyTimeToLiveAsync(leaseKey);
        Assert.InRange(leaseTtl!.Value, TimeSpan.FromSeconds(50), Minute);

        // The fence key expires too (a day after the last acquisition), so leased ids leave nothing behind for ever.
        Assert.NotNull(await db.KeyTimeToLiveAsync(fenceKey));
        Assert.False(await db.KeyExistsAsync(prefix + "s{" + id + "}"));

        Assert.True(await store.ReleaseLeaseAsync(lease, Token));
        Assert.False(await db.KeyExistsAsync(leaseKey));
    }

    [Fact]
    public async Task A_release_publishes_the_id_on_the_store_channel()
    {
        var prefix = NewPrefix();
        await using var store = await Fixture.StoreAsync(prefix);
        var id = Guid.NewGuid().ToString("N");
        var received = Channel.CreateUnbounded<string>();
        var subscriber = (await Fixture.ConnectionAsync()).GetSubscriber();
        var channel = RedisChannel.Literal(prefix + "lease-released");
        await subscriber.SubscribeAsync(channel, (_, message) => received.Writer.TryWrite(message.ToString()));
        try
        {
            var lease = await store.AcquireLeaseAsync(id, Minute, TimeSpan.Zero, Token);
            Assert.NotNull(lease);
            Assert.False(await store.ReleaseLeaseAsync(lease with { Owner = "other" }, Token));
            Assert.True(await store.ReleaseLeaseAsync(lease, Token));

            // Only the release that happened published.
            Assert.Equal(id, await received.Reader.ReadAsync(Token).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Token));
            Assert.False(received.Reader.TryRead(out _));
        }
        finally
        {
            await subscriber.UnsubscribeAsync(channel);
        }
    }

    [Fact]
    public async Task A_waiter_in_another_store_instance_is_woken_by_a_release()
    {
        // Two instances on one prefix stand for two application processes.
        var prefix = NewPrefix();
        await using var holderStore = await Fixture.StoreAsync(prefix);
        await using var waiterStore = await Fixture.StoreAsync(prefix);
        var id = Guid.NewGuid().ToString("N");
        var holder = await holderStore.AcquireLeaseAsync(id, Minute, TimeSpan.Zero, Token);
        Assert.NotNull(holder);

        var waiter = waiterStore.AcquireLeaseAsync(id, Minute, Minute, Token);
        await Task.WhenAny(waiter, Task.Delay(300, Token));
        Assert.False(waiter.IsCompleted);
        Assert.True(await holderStore.ReleaseLeaseAsync(holder, Token));

        var taken = await waiter.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.NotNull(taken);
        Assert.True(taken.Fence > holder.Fence);
    }
}

public sealed class RedisStandaloneLeaseTests(RedisFixture fixture) : RedisLeaseTests<RedisFixture>(fixture);

public sealed class RedisClusterLeaseTests(RedisClusterFixture fixture) : RedisLeaseTests<RedisClusterFixture>(fixture);
