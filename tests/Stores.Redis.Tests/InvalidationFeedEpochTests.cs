using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Redis.Internal;
using SessionStores.TestServers;
using StackExchange.Redis;
using Xunit;

namespace SessionStores.Redis.Tests;

/// <summary>
/// The near-cache feed (Internal/RedisInvalidationFeed.cs) comes back after a loss only on heartbeats published after
/// it: a heartbeat published before the loss and delivered late proves nothing about the subscription now. The test
/// stops the feed's own heartbeats and publishes crafted ones, so that which heartbeat arrives when is its choice.
/// </summary>
public sealed class InvalidationFeedEpochTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_heartbeat_sent_before_a_loss_does_not_restore_the_feed_and_one_sent_after_it_does()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(await fixture.ConnectionStringAsync());
        var keys = new RedisKeys("fe" + Guid.NewGuid().ToString("N")[..12] + ":");
        var listener = new RecordingInvalidationListener();
        await using var feed = await RedisInvalidationFeed.StartAsync(connection, keys, listener, null, Token);
        await listener.HappenedAsync("restored", 1);
        feed.StopHeartbeatsForTests();
        var endpoint = connection.GetServers().Single().EndPoint.ToString();
        var publisher = connection.GetSubscriber();

        // Lost (epoch 1); then a heartbeat of epoch 0, as published before the loss, arrives, followed by a marker.
        feed.LoseForTests("test");
        Assert.False(feed.IsLive);
        await publisher.PublishAsync(keys.Invalidations, feed.HeartbeatPrefixForTests + "0:" + endpoint);
        await publisher.PublishAsync(keys.Invalidations, keys.SessionPrefix + "marker-1}:1");
        await listener.HappenedAsync("changed marker-1", 1);
        Assert.False(feed.IsLive);
        Assert.Equal(["restored", "lost"], listener.Events.Where(e => !e.StartsWith("changed", StringComparison.Ordinal)));

        // A heartbeat of the current epoch restores it.
        await publisher.PublishAsync(keys.Invalidations, feed.HeartbeatPrefixForTests + "1:" + endpoint);
        await listener.HappenedAsync("restored", 2);
        Assert.True(feed.IsLive);
    }
}
