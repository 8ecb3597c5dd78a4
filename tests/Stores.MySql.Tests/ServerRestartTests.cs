using System;
using System.Data;
using System.IO;
using System.Threading.Tasks;
using MySqlConnector;
using SessionStores.MySql.Internal;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.MySql.Tests;

// A MariaDB server of its own, stopped and started again under a store: acknowledged sessions survive (InnoDB with the
// log flushed at commit), a failure meanwhile is a transient SessionStoreException, and the same store works again; a
// call whose statement is in flight when the server dies fails at once, and transiently (a lost connection).
public sealed class ServerRestartTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_store_keeps_its_sessions_and_works_again_after_the_server_restarts(bool kill)
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await StallableServers.StartMariaDbAsync(token);
        await using var store = OpenStore(server, "restart", TimeSpan.FromSeconds(2));
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

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(false, 1L)]
    [InlineData(true, 1L)]
    public async Task A_statement_in_flight_when_the_server_goes_down_fails_transiently_with_the_lost_connection(bool kill, long? expectedVersion)
    {
        // Given a store whose write (unconditional, or compare-and-set) waits on the server: another connection holds
        // the session's row lock
        var token = TestContext.Current.CancellationToken;
        await using var server = await StallableServers.StartMariaDbAsync(token);
        await using var store = OpenStore(server, "in_flight", TimeSpan.FromSeconds(30));
        await store.SetAsync("kept", new SessionWrite(new byte[] { 7 }, TimeSpan.FromMinutes(5)), token);
        await using var holder = new MySqlConnection(server.ConnectionString);
        await holder.OpenAsync(token);
        await using (var lockRow = new MySqlCommand("START TRANSACTION; SELECT id FROM in_flight WHERE id = 'kept' FOR UPDATE;", holder))
        {
            await lockRow.ExecuteNonQueryAsync(token);
        }

        var write = store.SetAsync("kept", new SessionWrite(new byte[] { 8 }, TimeSpan.FromMinutes(5), expectedVersion: expectedVersion), token);
        await Poll.UntilAsync(
            async () =>
            {
                await using var waiting = new MySqlCommand("SELECT COUNT(*) FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND info IS NOT NULL", holder);
                return Convert.ToInt64(await waiting.ExecuteScalarAsync(token), System.Globalization.CultureInfo.InvariantCulture) > 0;
            },
            () => $"the store's write never waited on the row lock: {write.Status} {write.Exception}",
            timeoutMs: 15_000);

        // When the server goes down under it (SIGTERM: a shutdown; SIGKILL: a crash) and comes back
        await server.RestartAsync(kill, token);

        // Then the write failed with the lost connection, before its deadline, as a transient failure (what an
        // application answers 503 and retries), not as a permanent one (a 500)
        var ex = await Assert.ThrowsAsync<SessionStoreException>(() => write);
        Assert.True(ex.IsTransient, ex.ToString());
        Assert.IsNotType<TimeoutException>(ex.InnerException);
    }

    [Fact]
    public async Task A_connection_that_broke_is_reported_as_the_lost_connection_it_is()
    {
        // Given a connection whose server died under it (MySqlConnector marks it Broken at its next use)
        var token = TestContext.Current.CancellationToken;
        await using var server = await StallableServers.StartMariaDbAsync(token);
        await using var connection = new MySqlConnection(server.ConnectionString);
        await connection.OpenAsync(token);
        await server.RestartAsync(kill: true, token);
        await using (var first = new MySqlCommand("SELECT 1", connection))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => first.ExecuteScalarAsync(token));
        }

        Assert.Equal(ConnectionState.Broken, connection.State);

        // When a store operation touches it again, as disposing a reader does (it drains the remaining results): the
        // driver throws InvalidOperationException ("current state is Broken") in place of the network error
        await using var again = new MySqlCommand("SELECT 1", connection);
        var ex = await Assert.ThrowsAsync<IOException>(() => MySqlSessionStore.Live(connection, again.ExecuteScalarAsync(token)));

        // Then the store reports the lost connection (a transient failure: 503), not a bug (a 500)
        Assert.IsType<InvalidOperationException>(ex.InnerException);
        Assert.True(MySqlBackend.Instance.IsFailure(ex) && MySqlBackend.Instance.IsTransient(ex));
    }

    private static MySqlSessionStore OpenStore(IStallableServer server, string table, TimeSpan operationTimeout) =>
        new(new MySqlSessionStoreOptions { ConnectionString = server.ConnectionString, TableName = table, EnablePruning = false, OperationTimeout = operationTimeout });
}
