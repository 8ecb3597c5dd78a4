using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Xunit;

namespace SessionStores.Memcached.Tests;

/// <summary>
/// What happens when one of three memcached servers dies (a killed process): its sessions are gone (memcached is a
/// cache), the other servers' sessions are untouched, and requests for the dead server's sessions answer "absent"
/// (so the application starts new sessions, on the next live server) instead of failing; the death is logged once, at
/// Warning. When the server is back and its retry interval is over, its keys go back to it.
/// </summary>
public sealed class MemcachedNodeDeathTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Killing_one_of_three_servers_loses_only_its_sessions_and_their_requests_answer_absent_instead_of_failing()
    {
        await using var servers = await OwnMemcachedServers.StartAsync(3);
        var logger = new FakeLogger<MemcachedSessionStore>();
        await using var store = new MemcachedSessionStore(
            new MemcachedSessionStoreOptions { ConnectionString = servers.ConnectionString, KeyPrefix = "death", DeadServerRetryInterval = TimeSpan.FromMinutes(5) },
            logger);
        var ids = Enumerable.Range(0, 90).Select(i => $"session-{i}").ToArray();
        foreach (var id in ids)
        {
            Assert.True((await store.SetAsync(id, new SessionWrite(new byte[] { 1, 2, 3 }, TimeSpan.FromMinutes(10), "user-" + id), Token)).Succeeded);
        }

        var victim = servers.Servers[1];
        var onVictim = ids.Where(id => store.Client.ServerFor(store.KeyOf(id)).Name == victim.ConnectionString).ToHashSet();
        Assert.NotEmpty(onVictim);
        Assert.True(onVictim.Count < ids.Length);

        await victim.KillAsync();

        foreach (var id in ids)
        {
            var record = await store.GetAsync(id, Token);
            if (onVictim.Contains(id))
            {
                Assert.Null(record);
            }
            else
            {
                Assert.NotNull(record);
                Assert.Equal(new byte[] { 1, 2, 3 }, record.Data.ToArray());
                Assert.Equal("user-" + id, record.Subject);
            }
        }

        // Every operation on a dead server's session answers as for an absent one, and a new session of that id lives on.
        var lost = onVictim.First();
        Assert.Null(await store.GetAndTouchAsync(lost, TimeSpan.FromMinutes(10), Token));
        Assert.False(await store.TouchAsync(lost, TimeSpan.FromMinutes(10), Token));
        Assert.False(await store.DestroyAsync(lost, Token));
        Assert.Equal(1, (await store.SetAsync(lost, new SessionWrite(new byte[] { 9 }, TimeSpan.FromMinutes(10), expectedVersion: 0), Token)).Version);
        Assert.Equal(new byte[] { 9 }, (await store.GetAsync(lost, Token))!.Data.ToArray());
        Assert.NotEqual(victim.ConnectionString, store.Client.ServerFor(store.KeyOf(lost)).Name);

        var warnings = logger.Collector.GetSnapshot().Where(r => r.Id.Id == 1700).ToList();
        var warning = Assert.Single(warnings);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(victim.ConnectionString, warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dead_server_that_is_back_gets_its_keys_again_after_the_retry_interval()
    {
        await using var servers = await OwnMemcachedServers.StartAsync(3);
        var logger = new FakeLogger<MemcachedSessionStore>();
        await using var store = new MemcachedSessionStore(
            new MemcachedSessionStoreOptions { ConnectionString = servers.ConnectionString, KeyPrefix = "back", DeadServerRetryInterval = TimeSpan.FromMilliseconds(200) },
            logger);
        var victim = servers.Servers[0];
        var id = Enumerable.Range(0, 1000).Select(i => $"s{i}").First(i => store.Client.ServerFor(store.KeyOf(i)).Name == victim.ConnectionString);
        await victim.KillAsync();
        Assert.Null(await store.GetAsync(id, Token));
        Assert.True((await store.SetAsync(id, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(10)), Token)).Succeeded);

        await victim.RestartAsync(kill: true, Token);

        // Once the interval is over, the next request due to the server tries it, finds it back, and logs so.
        await TestServers.Poll.UntilAsync(
            async () => await store.GetAsync(id, Token) is null && store.Client.ServerFor(store.KeyOf(id)).Name == victim.ConnectionString,
            "the restarted server never got its keys back");
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Id.Id == 1702 && r.Level == LogLevel.Information);
    }
}
