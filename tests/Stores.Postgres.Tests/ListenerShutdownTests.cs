using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Postgres.Tests;

/// <summary>
/// A store's LISTEN connections (Internal/PostgresListener.cs: the lease listener and each invalidation feed) are
/// closed for real when they stop, so the server drops the backend and its LISTEN, rather than left to the garbage
/// collector by a disposal that failed on a connection still busy waiting.
/// </summary>
public sealed class ListenerShutdownTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Disposing_the_store_and_its_feed_leaves_no_backend_of_the_store_on_the_server()
    {
        // Given: a store with data sources of its own (a LISTEN connection is then unpooled), named so that
        // pg_stat_activity finds its backends and nothing else.
        var name = Db.NewName("listen-");
        var connectionString = new NpgsqlConnectionStringBuilder(await PostgresFixture.ConnectionStringAsync()) { ApplicationName = name }.ConnectionString;
        var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            ConnectionString = connectionString,
            SchemaName = PostgresFixture.Schema,
            TableName = Db.NewName("l"),
            PublishInvalidations = true,
            EnablePruning = false,
        });
        Assert.NotNull(await store.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, Token));

        // A waiter that gives up starts the lease listener.
        Assert.Null(await store.AcquireLeaseAsync("a", Minute, TimeSpan.FromMilliseconds(100), Token));
        Assert.True(await UntilAsync(async () => await ListeningBackendsAsync(name) == 1), "the store's lease listener was not found");

        // When: invalidation feeds are subscribed and each disposed as soon as its LISTEN is in place (as its loop
        // starts waiting: where a cancelled wait could leave the connection busy), then the store is disposed (each
        // disposal waits for its listening loop to end).
        for (var i = 0; i < 5; i++)
        {
            var feedListener = new RecordingInvalidationListener();
            var feed = await store.SubscribeInvalidationsAsync(feedListener, Token);
            await feedListener.Live.Task.WaitAsync(Patience, Token);
            await feed.DisposeAsync();
        }

        await store.DisposeAsync();

        // Then: every backend of the store exits (a backend leaves pg_stat_activity shortly after its client closed).
        Assert.True(await UntilAsync(async () => await BackendsAsync(name) == 0), "a backend of the store is still open");
    }

    private static async Task<bool> UntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50, Token);
        }

        return true;
    }

    private static Task<long> BackendsAsync(string applicationName) =>
        Db.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", applicationName);

    private static Task<long> ListeningBackendsAsync(string applicationName) =>
        Db.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND (query LIKE 'LISTEN %' OR query = 'SELECT 1')", applicationName);
}
