using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Memcached.Internal;
using Xunit;

namespace SessionStores.Memcached.Tests;

/// <summary>The store's own meta-protocol client against real memcached processes: pipelining, CAS, reconnects and
/// abandoned requests. The ring's placement is in <see cref="MemcachedRingTests"/>.</summary>
public sealed class MemcachedClientTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Many_requests_pipelined_on_one_connection_each_get_their_own_reply()
    {
        await using var servers = await OwnMemcachedServers.StartAsync(1);
        await using var client = Client(servers.ConnectionString, connectionsPerServer: 1);
        var keys = Enumerable.Range(0, 300).Select(i => $"pipe:{i}").ToArray();
        await Task.WhenAll(keys.Select(k => client.SendAsync(k, Store(k, Encoding.ASCII.GetBytes("value of " + k), cas: null), Token)));

        // All in flight at once on the one connection: a reply matched to the wrong request would show another key's value.
        var replies = await Task.WhenAll(keys.Select(k => client.SendAsync(k, MemcachedCommands.Get(k), Token)));

        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(MemcachedStatus.Value, replies[i].Status);
            Assert.Equal("value of " + keys[i], Encoding.ASCII.GetString(replies[i].Value!));
        }
    }

    [Fact]
    public async Task A_write_with_the_CAS_token_read_succeeds_once_and_a_stale_token_or_an_add_over_an_item_is_refused()
    {
        await using var servers = await OwnMemcachedServers.StartAsync(1);
        await using var client = Client(servers.ConnectionString);
        const string Key = "cas:1";

        Assert.Equal(MemcachedStatus.Done, (await client.SendAsync(Key, Store(Key, [1], cas: null), Token)).Status);
        Assert.Equal(MemcachedStatus.NotStored, (await client.SendAsync(Key, Store(Key, [2], cas: null), Token)).Status);
        var read = await client.SendAsync(Key, MemcachedCommands.Get(Key), Token);

        Assert.Equal(MemcachedStatus.Done, (await client.SendAsync(Key, Store(Key, [3], read.Cas), Token)).Status);
        Assert.Equal(MemcachedStatus.Exists, (await client.SendAsync(Key, Store(Key, [4], read.Cas), Token)).Status);
        Assert.Equal(MemcachedStatus.NotFound, (await client.SendAsync("cas:absent", Store("cas:absent", [5], read.Cas), Token)).Status);
        Assert.Equal([3], (await client.SendAsync(Key, MemcachedCommands.Get(Key), Token)).Value);
    }

    [Fact]
    public async Task A_touch_moves_the_expiry_without_changing_the_value_or_its_CAS_token()
    {
        await using var servers = await OwnMemcachedServers.StartAsync(1);
        await using var client = Client(servers.ConnectionString);
        const string Key = "touch:1";
        await client.SendAsync(Key, Store(Key, [7], cas: null), Token);
        var before = await client.SendAsync(Key, MemcachedCommands.Get(Key), Token);

        Assert.Equal(MemcachedStatus.Done, (await client.SendAsync(Key, MemcachedCommands.Touch(Key, 5000), Token)).Status);

        var after = await client.SendAsync(Key, MemcachedCommands.Get(Key), Token);
        Assert.Equal(before.Cas, after.Cas);
        Assert.Equal([7], after.Value);
        Assert.InRange(after.SecondsLeft, 4990, 5000);
        Assert.Equal(MemcachedStatus.Miss, (await client.SendAsync("touch:absent", MemcachedCommands.Touch("touch:absent", 60), Token)).Status);
    }

    [Fact]
    public async Task After_the_server_restarts_the_client_reconnects_by_itself()
    {
        await using var servers = await OwnMemcachedServers.StartAsync(1);
        await using var client = Client(servers.ConnectionString, connectionsPerServer: 1);
        await client.SendAsync("restart:1", Store("restart:1", [1], cas: null), Token);

        await servers.Servers[0].RestartAsync(kill: true, Token);

        // The pooled connection died with the old process. A request that raced its closing may fail (transiently: the
        // server is back); the next one goes on a new connection, and finds the item gone with the old process.
        var reply = await SendAllowingOneTransientFailureAsync(client, "restart:1", MemcachedCommands.Get("restart:1"));
        Assert.Equal(MemcachedStatus.Miss, reply.Status);
        Assert.Equal(MemcachedStatus.Done, (await client.SendAsync("restart:1", Store("restart:1", [2], cas: null), Token)).Status);
    }

    [Fact]
    public async Task A_request_abandoned_on_a_stalled_server_leaves_its_late_reply_to_nobody_and_the_connection_serves_on()
    {
        await using var servers = await OwnMemcachedServers.StartAsync(1);
        await using var client = Client(servers.ConnectionString, connectionsPerServer: 1);
        await client.SendAsync("stall:1", Store("stall:1", [1], cas: null), Token);
        var server = servers.Servers[0];

        server.Pause();
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
            deadline.CancelAfter(TimeSpan.FromMilliseconds(300));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync("stall:1", MemcachedCommands.Get("stall:1"), deadline.Token));
        }
        finally
        {
            server.Resume();
        }

        // Its late reply (the value 1) must not be taken for the next request's.
        await client.SendAsync("stall:2", Store("stall:2", [2], cas: null), Token);
        var reply = await client.SendAsync("stall:2", MemcachedCommands.Get("stall:2"), Token);
        Assert.Equal([2], reply.Value);
    }

    [Fact]
    public async Task Writes_abandoned_on_a_stalled_server_run_before_later_requests_about_the_same_keys()
    {
        // Found by the reliability suite (memcached, SIGSTOP): a write abandoned at its deadline still runs once the server
        // continues; when its connection was closed, a later read of the same session on another connection could run
        // first and miss it, and the next compare-and-set then failed for no concurrent reason (409).
        await using var servers = await OwnMemcachedServers.StartAsync(1);
        await using var client = Client(servers.ConnectionString, connectionsPerServer: 2);
        var keys = Enumerable.Range(0, 12).Select(i => $"order:{i}").ToArray();
        var tokens = new Dictionary<string, ulong>();
        foreach (var key in keys)
        {
            await client.SendAsync(key, Store(key, [1], cas: null), Token);
            tokens[key] = (await client.SendAsync(key, MemcachedCommands.Get(key), Token)).Cas;
        }

        var server = servers.Servers[0];
        var reads = new List<Task<MemcachedReply>>();
        server.Pause();
        try
        {
            foreach (var key in keys)
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
                deadline.CancelAfter(TimeSpan.FromMilliseconds(100));
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(key, Store(key, [2], tokens[key]), deadline.Token));
                reads.Add(client.SendAsync(key, MemcachedCommands.Get(key), Token));
            }
        }
        finally
        {
            server.Resume();
        }

        var values = (await Task.WhenAll(reads)).Select(r => r.Value![0]).ToArray();
        Assert.All(values, v => Assert.Equal(2, v));
    }

    [Fact]
    public async Task A_server_that_refuses_connections_fails_fast_as_a_transient_error_when_it_is_the_only_one()
    {
        await using var client = Client($"127.0.0.1:{TestServers.LoopbackPorts.Free()}");

        var ex = await Assert.ThrowsAsync<MemcachedException>(() => client.SendAsync("k", MemcachedCommands.Get("k"), Token));

        Assert.True(ex.IsTransient);
        Assert.NotNull(ex.InnerException);
    }

    [Fact]
    public async Task An_error_reply_fails_its_request_only_and_the_connection_keeps_serving()
    {
        await using var servers = await OwnMemcachedServers.StartAsync(1);
        await using var client = Client(servers.ConnectionString, connectionsPerServer: 1);
        var tooLarge = new byte[3 * 1024 * 1024];

        var ex = await Assert.ThrowsAsync<MemcachedException>(() => client.SendAsync("big", Store("big", tooLarge, cas: null), Token));

        Assert.False(ex.IsTransient);
        Assert.Contains("SERVER_ERROR", ex.Message, StringComparison.Ordinal);
        Assert.Equal(MemcachedStatus.Miss, (await client.SendAsync("big", MemcachedCommands.Get("big"), Token)).Status);
    }

    internal static MemcachedClient Client(string connectionString, int connectionsPerServer = 2, TimeSpan? retryInterval = null)
    {
        Assert.True(MemcachedServerList.TryParse(connectionString, out var servers, out var problem), problem);
        return new MemcachedClient(servers, new MemcachedClientSettings(
            connectionsPerServer, TimeSpan.FromSeconds(2), retryInterval ?? TimeSpan.FromSeconds(30), static (_, _, _) => { }, static _ => { }));
    }

    private static byte[] Store(string key, byte[] value, ulong? cas) => MemcachedCommands.Store(key, value, 300, 0, cas);

    private static async Task<MemcachedReply> SendAllowingOneTransientFailureAsync(MemcachedClient client, string key, byte[] request)
    {
        try
        {
            return await client.SendAsync(key, request, Token);
        }
        catch (MemcachedException ex) when (ex.IsTransient)
        {
            return await client.SendAsync(key, request, Token);
        }
    }
}
