using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.Postgres.Internal;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Postgres.Tests;

/// <summary>
/// The near-cache announcer (Internal/PostgresAnnouncer.cs): committed writes' announcements arrive, and a batch that
/// could not be sent is replaced by <c>*</c> (every cache flushes) ahead of anything announced after it.
/// </summary>
public sealed class AnnouncerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_batch_that_failed_to_send_is_replaced_by_a_flush_of_every_cache_before_later_announcements()
    {
        // Given: a listener on a channel of its own, and an announcer on it.
        var dataSource = await PostgresFixture.DataSourceAsync();
        var channel = Db.NewName("ann");
        var received = new BlockingCollection<string>();
        await using var listener = await ListenAsync(dataSource, channel, received.Add);

        var failures = new ConcurrentQueue<Exception>();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var announcer = new PostgresAnnouncer(dataSource, channel, failures.Enqueue);
        announcer.EnsureStarted(stopping.Token);
        // Waits in short slices that end by themselves: a cancelled WaitAsync can leave the connection in its
        // 'Waiting' state, and disposing it then throws.
        var listening = Task.Run(async () =>
        {
            while (!stopping.IsCancellationRequested)
            {
                await listener.WaitAsync(TimeSpan.FromMilliseconds(100), Token);
            }
        }, Token);

        // When: a batch fails (PostgreSQL refuses a payload over 8000 bytes, and with it the whole statement), then a
        // write is announced after the failure was reported.
        announcer.Announce("ok", 1);
        Assert.Equal("ok:1", Next(received));
        announcer.Announce(new string('x', 9000), 2);
        Assert.True(SpinWait.SpinUntil(() => !failures.IsEmpty, Patience), "the failed send was not reported");
        announcer.Announce("later", 3);

        // Then: "*" arrives, before the later announcement, and nothing of the failed batch does.
        var next = new List<string> { Next(received) };
        if (next[0] == PostgresCommands.AllChanged)
        {
            next.Add(Next(received));
        }

        Assert.Equal([PostgresCommands.AllChanged, "later:3"], next);
        Assert.Contains(failures, ex => ex is PostgresException);
        await stopping.CancelAsync();
        await announcer.Running;
        await listening;
    }

    [Fact]
    public async Task Writes_followed_by_a_synchronous_dispose_of_the_store_are_all_announced()
    {
        // Given: a store with a data source of its own (its disposal closes the pool), publishing invalidations, and a
        // listener on its channel.
        var table = Db.NewName("ann");
        var dataSource = await PostgresFixture.DataSourceAsync();
        var received = new ConcurrentDictionary<string, bool>();
        await using var listener = await ListenAsync(dataSource, new PostgresCommands(PostgresFixture.Schema, table).InvalidationChannel, payload => received[payload] = true);

        var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            ConnectionString = await PostgresFixture.ConnectionStringAsync(),
            SchemaName = PostgresFixture.Schema,
            TableName = table,
            PublishInvalidations = true,
            EnablePruning = false,
        });
        await store.EnsureSchemaAsync(Token);

        // When: writes complete together (so the announcer is still sending some while the last are queued), and the
        // store is disposed synchronously at once.
        var ids = Enumerable.Range(0, 100).Select(i => "w" + i).ToArray();
        await Task.WhenAll(ids.Select(id => store.SetAsync(id, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(5)), Token)));
        store.Dispose();

        // Then: every write's announcement arrives, the last ones too.
        var deadline = DateTime.UtcNow + Patience;
        while (ids.Any(id => !received.ContainsKey(id + ":1")) && DateTime.UtcNow < deadline)
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(100), Token);
        }

        Assert.Equal([], ids.Where(id => !received.ContainsKey(id + ":1")));
    }

    [Fact]
    public async Task Waiting_for_the_last_send_gives_up_after_its_timeout_on_a_stalled_server_and_the_send_still_completes_later()
    {
        // Given: an announcer over a data source without timeouts, on a server of its own, whose first send arrived.
        await using var server = await StallableServers.StartPostgresAsync(Token);
        await using var dataSource = NpgsqlDataSource.Create(server.ConnectionString + ";Timeout=0;Command Timeout=0");
        var channel = Db.NewName("ann");
        var received = new ConcurrentDictionary<string, bool>();
        await using var listener = await ListenAsync(dataSource, channel, payload => received[payload] = true);
        var failures = new ConcurrentQueue<Exception>();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var announcer = new PostgresAnnouncer(dataSource, channel, failures.Enqueue);
        announcer.EnsureStarted(stopping.Token);
        announcer.Announce("before", 1);
        await ReceiveAsync(listener, received, "before:1");

        // When: the server stops answering, a write is announced and the loop is told to stop.
        server.Pause();
        try
        {
            announcer.Announce("stalled", 2);
            await stopping.CancelAsync();

            // Then: the wait ends, saying the last send has not.
            Assert.False(await announcer.WaitStoppedAsync(TimeSpan.FromMilliseconds(300)));
            Assert.False(announcer.WaitStopped(TimeSpan.FromMilliseconds(300)));
        }
        finally
        {
            server.Resume();
        }

        // And once the server answers again, that send completes and its announcement arrives.
        Assert.True(await announcer.WaitStoppedAsync(Patience));
        await ReceiveAsync(listener, received, "stalled:2");
        Assert.Empty(failures);
    }

    private static async Task ReceiveAsync(NpgsqlConnection listener, ConcurrentDictionary<string, bool> received, string payload)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!received.ContainsKey(payload) && DateTime.UtcNow < deadline)
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(100), Token);
        }

        Assert.True(received.ContainsKey(payload), $"the announcement '{payload}' did not arrive");
    }

    // A connection LISTENing on channel, handing each notification's payload to received.
    private static async Task<NpgsqlConnection> ListenAsync(NpgsqlDataSource dataSource, string channel, Action<string> received)
    {
        var listener = await dataSource.OpenConnectionAsync(Token);
        listener.Notification += (_, e) => received(e.Payload);
        await using var listen = new NpgsqlCommand($"LISTEN \"{channel}\"", listener);
        await listen.ExecuteNonQueryAsync(Token);
        return listener;
    }

    private static string Next(BlockingCollection<string> received) =>
        received.TryTake(out var payload, (int)Patience.TotalMilliseconds, Token) ? payload : throw new TimeoutException("no notification arrived");
}
