using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using SessionStores.TestServers;
using StackExchange.Redis;
using Xunit;

namespace SessionStores.Redis.Tests;

/// <summary>
/// A session write and its subject index update go in sequence (the index only after the write succeeded), whatever
/// the servers behind the connection are. These tests put a relay in front of a real node to control what the
/// connection has seen when the store first uses it, and to make it go silent.
/// </summary>
public sealed class TopologyTests(RedisClusterFixture cluster, RedisFixture standalone) : IClassFixture<RedisClusterFixture>, IClassFixture<RedisFixture>
{
    [Fact]
    public async Task A_store_that_first_met_an_unconnected_cluster_writes_the_subject_index_only_after_the_session()
    {
        // Given a shared connection whose only configured endpoint (a relay to a cluster node) refuses connections,
        // and a store whose first operation runs while nothing is connected.
        var token = TestContext.Current.CancellationToken;
        await using var relay = TcpForwarder.Create(IPEndPoint.Parse((await cluster.ConnectionStringAsync()).Split(',')[0]));
        await using var connection = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { { IPAddress.Loopback, relay.Port } },
            AbortOnConnectFail = false,
            ConnectTimeout = 500,
            ConnectRetry = 0,
        });
        var prefix = "tp" + Guid.NewGuid().ToString("N")[..12] + ":";
        var store = new RedisSessionStore(new RedisSessionStoreOptions { ConnectionMultiplexer = connection, KeyPrefix = prefix });
        await Assert.ThrowsAsync<SessionStoreException>(() => store.CountAsync(SessionQuery.All, token));

        // When the cluster becomes reachable and the connection serves the slots of the session and of its subject index
        // (counting connected nodes is not enough: a node can count as connected before its slots are served).
        var subject = "user-" + Guid.NewGuid().ToString("N")[..8];
        var id = Guid.NewGuid().ToString("N");
        relay.Start();
        var relayed = connection.GetDatabase();
        await Poll.UntilAsync(
            async () =>
            {
                if (connection.GetServers().Count(s => s.IsConnected && s.ServerType == ServerType.Cluster) < 4)
                {
                    return false;
                }

                try
                {
                    await relayed.KeyExistsAsync(prefix + "s{" + id + "}");
                    await relayed.KeyExistsAsync(prefix + "u{" + subject + "}");
                    return true;
                }
                catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
                {
                    return false;
                }
            },
            "the connection never reached the cluster through the relay", timeoutMs: 20_000);

        // Then a compare-and-set that fails writes no index entry: the index write waits for the session write (on a
        // cluster they go to different nodes, so pipelining them would lose their order).
        var conflict = await RetryWhileUnreachableAsync(() => store.SetAsync(id, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(5), subject, expectedVersion: 3), token));
        Assert.False(conflict.Succeeded);
        var db = (await cluster.ConnectionAsync()).GetDatabase();
        Assert.False(await db.KeyExistsAsync(prefix + "u{" + subject + "}"), "the index write was sent before the session write's outcome was known");

        // And a successful one is indexed.
        Assert.True((await RetryWhileUnreachableAsync(() => store.SetAsync(id, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(5), subject), token))).Succeeded);
        Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject(subject), token));
    }

    /// <summary>
    /// Under a loaded test run the relayed connection can briefly lose a node it had reached (its connect timeout is
    /// short on purpose). A write that could not be sent wrote nothing, so trying it again keeps the assertions exact.
    /// </summary>
    private static async Task<SessionSetResult> RetryWhileUnreachableAsync(Func<Task<SessionSetResult>> write)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await write();
            }
            catch (SessionStoreException ex) when (attempt < 5 && ex.InnerException is RedisConnectionException)
            {
                await Task.Delay(200 * attempt, TestContext.Current.CancellationToken);
            }
        }
    }

    [Fact]
    public async Task A_set_with_a_subject_whose_write_times_out_leaves_no_unobserved_task_exception()
    {
        // Given a store on one standalone server, reached through a relay, with short timeouts.
        var token = TestContext.Current.CancellationToken;
        await using var relay = TcpForwarder.Create(IPEndPoint.Parse(await standalone.ConnectionStringAsync()));
        relay.Start();
        var port = relay.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var unobserved = new List<Exception>();
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            if (e.Exception.ToString().Contains(port, StringComparison.Ordinal))
            {
                lock (unobserved)
                {
                    unobserved.Add(e.Exception);
                }
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            await FailSetsAsync(relay, token);

            // When every task the failed operations left behind has been collected.
            for (var i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            // Then none of them faulted unobserved.
            lock (unobserved)
            {
                Assert.True(unobserved.Count == 0, string.Join(Environment.NewLine, unobserved));
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }
    }

    /// <summary>Separate, so that nothing of the failed operations stays reachable from the test's frame.</summary>
    private static async Task FailSetsAsync(TcpForwarder relay, System.Threading.CancellationToken token)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(
            $"127.0.0.1:{relay.Port},syncTimeout=300,asyncTimeout=300,connectTimeout=1000,connectRetry=0,abortConnect=false");
        var store = new RedisSessionStore(new RedisSessionStoreOptions
        {
            ConnectionMultiplexer = connection,
            KeyPrefix = "tp" + Guid.NewGuid().ToString("N")[..12] + ":",
        });
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await store.SetAsync(Guid.NewGuid().ToString("N"), new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1), "warm"), token)).Succeeded);
        }

        // When the server goes silent under sets with a subject (the write times out; its index update is never sent).
        relay.BlackHole();
        for (var i = 0; i < 3; i++)
        {
            var ex = await Assert.ThrowsAsync<SessionStoreException>(() =>
                store.SetAsync(Guid.NewGuid().ToString("N"), new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1), "alice"), token));
            Assert.True(ex.IsTransient);
        }
    }
}
