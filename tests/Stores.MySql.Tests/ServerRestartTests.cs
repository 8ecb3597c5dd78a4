using System;
using System.Threading.Tasks;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.MySql.Tests;

// A MariaDB server of its own, stopped and started again under a store: acknowledged sessions survive (InnoDB with the
// log flushed at commit), a failure meanwhile is a transient SessionStoreException, and the same store works again.
public sealed class ServerRestartTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_store_keeps_its_sessions_and_works_again_after_the_server_restarts(bool kill)
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await StallableServers.StartMariaDbAsync(token);
        await using var store = new MySqlSessionStore(new MySqlSessionStoreOptions
        {
            ConnectionString = server.ConnectionString,
            TableName = "restart",
            EnablePruning = false,
            OperationTimeout = TimeSpan.FromSeconds(2),
        });
        await store.SetAsync("kept", new SessionWrite(new byte[] { 7 }, TimeSpan.FromMinutes(5), subject: "alice"), token);

        await server.RestartAsync(kill, token);

        SessionRecord? record = null;
        Exception? last = null;
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    record = await store.GetAsync("kept", token);
                    return true;
                }
                catch (SessionStoreException ex) when (ex.IsTransient)
                {
                    // A pooled connection to the old server process: the store says so, and the next call reconnects.
                    last = ex;
                    return false;
                }
            },
            () => $"the store did not work again after the restart: {last}",
            timeoutMs: 15_000);
        Assert.NotNull(record);
        Assert.Equal(new byte[] { 7 }, record.Data.ToArray());
        Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject("alice"), token));
    }
}
