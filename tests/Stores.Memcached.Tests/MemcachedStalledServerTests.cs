using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Testing;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Memcached.Tests;

/// <summary>
/// The trade-off the README states under "When a server dies": a server that stops answering but keeps its connections
/// open (here a SIGSTOPped process) is not passed over. Its sessions' requests fail with a transient error at
/// <c>OperationTimeout</c> instead of answering "absent", so nothing is written to a stand-in server and nothing is lost;
/// the other servers' sessions are served meanwhile; once it continues, its sessions are all there, and a request given
/// up at its deadline still runs before any later request about the same session.
/// </summary>
public sealed class MemcachedStalledServerTests
{
    // Each call to the stalled server waits this long; the healthy calls of a busy test run stay far below it.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_stalled_server_fails_its_own_sessions_transiently_without_being_passed_over_and_loses_nothing()
    {
        await using var servers = await OwnMemcachedServers.StartAsync(3);
        var logger = new FakeLogger<MemcachedSessionStore>();
        await using var store = new MemcachedSessionStore(
            new MemcachedSessionStoreOptions { ConnectionString = servers.ConnectionString, KeyPrefix = "stall", OperationTimeout = Deadline },
            logger);
        var ids = Enumerable.Range(0, 60).Select(i => $"session-{i}").ToArray();
        foreach (var id in ids)
        {
            Assert.Equal(1, (await store.SetAsync(id, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(10), "user-" + id), Token)).Version);
        }

        var victim = servers.Servers[2];
        var onVictim = ids.Where(id => store.Client.ServerFor(store.KeyOf(id)).Name == victim.ConnectionString).ToArray();
        var elsewhere = ids.Except(onVictim).ToArray();
        Assert.True(onVictim.Length >= 3, $"only {onVictim.Length} of 60 sessions on the stalled server");
        Assert.NotEmpty(elsewhere);
        var abandoned = onVictim[0];
        var destroyed = onVictim[1];
        var newOnVictim = Enumerable.Range(0, 1000).Select(i => $"new-{i}").First(id => store.Client.ServerFor(store.KeyOf(id)).Name == victim.ConnectionString);

        victim.Pause();
        try
        {
            // The victim's sessions: every kind of call fails transiently (not "absent", not a new session elsewhere).
            await AssertTransientAsync(() => store.GetAsync(abandoned, Token));
            await AssertTransientAsync(() => store.SetAsync(abandoned, new SessionWrite(new byte[] { 2 }, TimeSpan.FromMinutes(10), expectedVersion: 1), Token));
            await AssertTransientAsync(() => store.GetAndTouchAsync(onVictim[^1], TimeSpan.FromMinutes(10), Token));
            await AssertTransientAsync(() => store.SetAsync(newOnVictim, new SessionWrite(new byte[] { 3 }, TimeSpan.FromMinutes(10), expectedVersion: 0), Token));
            Assert.Equal(victim.ConnectionString, store.Client.ServerFor(store.KeyOf(abandoned)).Name);

            // The other servers' sessions are read and written as usual meanwhile.
            foreach (var id in elsewhere)
            {
                Assert.Equal(2, (await store.SetAsync(id, new SessionWrite(new byte[] { 4 }, TimeSpan.FromMinutes(10), expectedVersion: 1), Token)).Version);
                Assert.Equal(new byte[] { 4 }, (await store.GetAsync(id, Token))!.Data.ToArray());
            }

            // A destroy (one request) given up at its deadline stays queued on the session's connection; a read sent after
            // it, still during the stall, must find it done once the server continues.
            await AssertTransientAsync(() => store.DestroyAsync(destroyed, Token));
            var readAfterDestroy = store.GetAsync(destroyed, Token);
            victim.Resume();
            Assert.Null(await readAfterDestroy);
        }
        finally
        {
            victim.Resume();
        }

        // The compare-and-set write and the create given up above have an unknown outcome, but whatever the first read
        // after the stall finds is final: a compare-and-set against the version it returned succeeds.
        await AssertFinalAsync(store, abandoned, new byte[] { 2 });
        await AssertFinalAsync(store, newOnVictim, new byte[] { 3 });

        // Nothing of the victim's was lost, and it was never marked dead (event 1700).
        foreach (var id in onVictim.Skip(2))
        {
            var kept = await store.GetAsync(id, Token);
            Assert.NotNull(kept);
            Assert.Equal(1, kept.Version);
            Assert.Equal("user-" + id, kept.Subject);
        }

        Assert.DoesNotContain(logger.Collector.GetSnapshot(), r => r.Id.Id == 1700);
    }

    private static async Task AssertFinalAsync(MemcachedSessionStore store, string id, byte[] abandonedData)
    {
        var record = await store.GetAsync(id, Token);
        if (record is not null)
        {
            Assert.True(record.Data.ToArray().SequenceEqual(abandonedData) || record.Version == 1, $"{id}: neither the stored nor the abandoned write");
        }

        var version = record?.Version ?? 0;
        var next = await store.SetAsync(id, new SessionWrite(new byte[] { 7 }, TimeSpan.FromMinutes(10), expectedVersion: version), Token);
        Assert.True(next.Succeeded, $"{id}: a write abandoned during the stall landed after the read that followed it (version {version}, now {next.Version})");
    }

    private static async Task AssertTransientAsync<T>(Func<Task<T>> call)
    {
        var error = await Assert.ThrowsAsync<SessionStoreException>(call);
        Assert.True(error.IsTransient, $"a stalled server's call failed with a permanent error: {error.Message}");
    }
}
