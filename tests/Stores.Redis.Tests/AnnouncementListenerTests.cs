using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.TestServers;
using StackExchange.Redis;
using Xunit;

namespace SessionStores.Redis.Tests;

/// <summary>
/// Writes announce only when a connection other than the writer's own feed listens (standalone, a store on its own
/// connection), and always on a cluster. What was published is seen by an observer subscribed to the shared channel by
/// PATTERN: pattern subscribers receive every message but are not counted by <c>PUBSUB NUMSUB</c>, so the observer does
/// not change what the write script decides.
/// </summary>
public abstract class AnnouncementListenerTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : RedisFixture
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);

    // How long an expected message may take before the test fails instead of hanging (a bound, not a measurement).
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Whether a writer with the only feed skips its announcements (standalone) or not (cluster).</summary>
    protected abstract bool SkipsUnheardAnnouncements { get; }

    [Fact]
    public async Task A_lone_feed_hears_no_echo_of_its_own_writes_and_a_second_process_is_told()
    {
        var prefix = "an" + Guid.NewGuid().ToString("N")[..12] + ":";
        await using var observer = await Observer.StartAsync(await fixture.ConnectionStringAsync(), prefix + "invalidations");
        await using var writer = await OwnStoreAsync(prefix);
        var mine = new RecordingInvalidationListener();
        await using (await writer.SubscribeInvalidationsAsync(mine, Token))
        {
            await mine.Live.Task.WaitAsync(Deadline, Token);
            var id = Guid.NewGuid().ToString("N");
            for (var i = 0; i < 3; i++)
            {
                await writer.SetAsync(id, new SessionWrite(new byte[] { 1 }, Ttl), Token);
            }

            Assert.Equal(SkipsUnheardAnnouncements ? 0 : 3, await observer.AnnouncementsSinceLastAsync(Token));

            // A second process (its own connection) subscribes: the writer's announcements reach it.
            await using var other = await OwnStoreAsync(prefix);
            var theirs = new RecordingInvalidationListener();
            await using (await other.SubscribeInvalidationsAsync(theirs, Token))
            {
                await theirs.Live.Task.WaitAsync(Deadline, Token);
                await writer.SetAsync(id, new SessionWrite(new byte[] { 2 }, Ttl), Token);
                await theirs.Heard(id, 4).WaitAsync(Deadline, Token);
                Assert.Equal(1, await observer.AnnouncementsSinceLastAsync(Token));
            }

            // It is gone again.
            await writer.SetAsync(id, new SessionWrite(new byte[] { 3 }, Ttl), Token);
            Assert.Equal(SkipsUnheardAnnouncements ? 0 : 1, await observer.AnnouncementsSinceLastAsync(Token));
        }
    }

    [Fact]
    public async Task A_store_without_a_feed_announces_whenever_anyone_listens()
    {
        var prefix = "an" + Guid.NewGuid().ToString("N")[..12] + ":";
        await using var observer = await Observer.StartAsync(await fixture.ConnectionStringAsync(), prefix + "invalidations");
        await using var writer = await OwnStoreAsync(prefix);
        var id = Guid.NewGuid().ToString("N");
        await writer.SetAsync(id, new SessionWrite(new byte[] { 1 }, Ttl), Token);
        Assert.Equal(SkipsUnheardAnnouncements ? 0 : 1, await observer.AnnouncementsSinceLastAsync(Token));

        await using var other = await OwnStoreAsync(prefix);
        var theirs = new RecordingInvalidationListener();
        await using (await other.SubscribeInvalidationsAsync(theirs, Token))
        {
            await theirs.Live.Task.WaitAsync(Deadline, Token);
            await writer.SetAsync(id, new SessionWrite(new byte[] { 2 }, Ttl), Token);
            await theirs.Heard(id, 2).WaitAsync(Deadline, Token);
            Assert.Equal(1, await observer.AnnouncementsSinceLastAsync(Token));
        }
    }

    // A store on a connection of its own, as a process has.
    private async Task<RedisSessionStore> OwnStoreAsync(string prefix) =>
        new(new RedisSessionStoreOptions { ConnectionString = await fixture.ConnectionStringAsync(), KeyPrefix = prefix });

    /// <summary>Counts the announcements published on a channel (heartbeats aside), by a pattern subscription.</summary>
    private sealed class Observer : IAsyncDisposable
    {
        private const string Marker = "observer-marker";

        private readonly ConnectionMultiplexer _connection;
        private readonly RedisChannel _channel;
        private readonly ConcurrentQueue<string> _seen = new();
        private TaskCompletionSource _marker = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _markersDue;

        private Observer(ConnectionMultiplexer connection, string channel)
        {
            _connection = connection;
            _channel = RedisChannel.Literal(channel);
        }

        public static async Task<Observer> StartAsync(string connectionString, string channel)
        {
            var observer = new Observer(await ConnectionMultiplexer.ConnectAsync(connectionString), channel);
            await observer._connection.GetSubscriber().SubscribeAsync(RedisChannel.Pattern(Internal.RedisKeys.EscapeGlob(channel)), (_, message) =>
            {
                var text = (string)message!;
                if (text == Marker)
                {
                    if (Interlocked.Decrement(ref observer._markersDue) == 0)
                    {
                        observer._marker.TrySetResult();
                    }
                }
                else if (!text.StartsWith("hb:", StringComparison.Ordinal))
                {
                    observer._seen.Enqueue(text);
                }
            });
            return observer;
        }

        /// <summary>The announcements published since the last call: it publishes a marker through every primary after
        /// them and waits for all, so everything published before has arrived (a subscription connection delivers in
        /// order, and a cluster forwards each node's messages in order).</summary>
        public async Task<int> AnnouncementsSinceLastAsync(CancellationToken cancellationToken)
        {
            var primaries = Array.FindAll(_connection.GetServers(), s => !s.IsReplica);
            _marker = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _markersDue, primaries.Length);
            foreach (var primary in primaries)
            {
                await primary.ExecuteAsync("PUBLISH", (string)_channel!, Marker);
            }

            await _marker.Task.WaitAsync(Deadline, cancellationToken);
            var count = 0;
            while (_seen.TryDequeue(out _))
            {
                count++;
            }

            return count;
        }

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }
}

public sealed class StandaloneAnnouncementListenerTests(RedisFixture fixture) : AnnouncementListenerTests<RedisFixture>(fixture)
{
    protected override bool SkipsUnheardAnnouncements => true;
}

public sealed class ClusterAnnouncementListenerTests(RedisClusterFixture fixture) : AnnouncementListenerTests<RedisClusterFixture>(fixture)
{
    protected override bool SkipsUnheardAnnouncements => false;
}
