using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Postgres.Tests;

public sealed class FailureTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_store_pointed_at_a_closed_port_throws_a_transient_SessionStoreException()
    {
        await PostgresFixture.ConnectionStringAsync();

        await using var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            ConnectionString = PostgresFixture.UnreachableConnectionString(),
            EnablePruning = false,
        });

        var ex = await Assert.ThrowsAsync<SessionStoreException>(() => store.GetAsync("some-session", Token));
        Assert.True(ex.IsTransient);
        Assert.IsType<NpgsqlException>(ex.InnerException, exactMatch: false);
        var set = await Assert.ThrowsAsync<SessionStoreException>(() => store.SetAsync("some-session", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token));
        Assert.True(set.IsTransient);
    }

    [Fact]
    public async Task Bad_input_fails_before_any_io_even_without_a_server()
    {
        await using var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            ConnectionString = PostgresFixture.UnreachableConnectionString(),
            EnablePruning = false,
            MaxDataBytes = 10,
        });

        await Assert.ThrowsAsync<ArgumentException>(() => store.GetAsync("bad id", Token));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.TouchAsync("ok", TimeSpan.Zero, Token));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SetAsync("ok", new SessionWrite(new byte[11], TimeSpan.FromMinutes(1)), Token));
    }

    [Fact]
    public async Task Caller_cancellation_of_a_running_statement_gives_OperationCanceledException()
    {
        var (store, id, blocker) = await CreateStoreWithLockedRowAsync(commandTimeoutSeconds: null);
        await using (store)
        await using (blocker)
        {
            using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Token);
            var write = store.SetAsync(id, new SessionWrite(new byte[] { 2 }, TimeSpan.FromMinutes(1)), cancellation.Token);
            await Task.Delay(300, Token);
            Assert.False(write.IsCompleted, "the write should be waiting for the row lock");

            await cancellation.CancelAsync();

            var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write);
            Assert.IsNotType<SessionStoreException>(ex, exactMatch: false);
        }
    }

    [Fact]
    public async Task A_command_timeout_is_a_transient_SessionStoreException_not_a_cancellation()
    {
        var (store, id, blocker) = await CreateStoreWithLockedRowAsync(commandTimeoutSeconds: 1);
        await using (store)
        await using (blocker)
        {
            var ex = await Assert.ThrowsAsync<SessionStoreException>(() => store.SetAsync(id, new SessionWrite(new byte[] { 2 }, TimeSpan.FromMinutes(1)), Token));

            Assert.True(ex.IsTransient);
            Assert.IsType<NpgsqlException>(ex.InnerException, exactMatch: false);
        }
    }

    [Fact]
    public void Invalid_options_are_rejected_naming_the_setting()
    {
        var ex = Assert.Throws<ArgumentException>(() => new PostgresSessionStore(new PostgresSessionStoreOptions()));
        Assert.Contains("ConnectionString", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => new PostgresSessionStore(new PostgresSessionStoreOptions { ConnectionString = "Host=x", TableName = new string('t', 51) }));
        Assert.Contains("TableName", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => new PostgresSessionStore(new PostgresSessionStoreOptions { ConnectionString = "Host=x", PruneBatchSize = 0 }));
        Assert.Contains("PruneBatchSize", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => new PostgresSessionStore(new PostgresSessionStoreOptions { ConnectionString = "Host=x", TouchWriteThreshold = TimeSpan.FromSeconds(-1) }));
        Assert.Contains("TouchWriteThreshold", ex.Message, StringComparison.Ordinal);
    }

    // A store with its own pool and a row that another transaction holds locked, so the next write to it waits.
    private static async Task<(PostgresSessionStore Store, string Id, Blocker Blocker)> CreateStoreWithLockedRowAsync(int? commandTimeoutSeconds)
    {
        var connectionString = await PostgresFixture.ConnectionStringAsync();
        if (commandTimeoutSeconds is { } seconds)
        {
            connectionString += $";Command Timeout={seconds}";
        }

        var table = Db.NewName("f");
        var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            ConnectionString = connectionString,
            SchemaName = PostgresFixture.Schema,
            TableName = table,
            EnablePruning = false,
        });
        const string Id = "locked-session";
        await store.SetAsync(Id, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token);

        var connection = await (await PostgresFixture.DataSourceAsync()).OpenConnectionAsync(Token);
        var transaction = await connection.BeginTransactionAsync(Token);
        await using var lockRow = new NpgsqlCommand($"SELECT 1 FROM \"{PostgresFixture.Schema}\".\"{table}\" WHERE id = $1 FOR UPDATE", connection, transaction);
        lockRow.Parameters.Add(new NpgsqlParameter { Value = Id });
        await lockRow.ExecuteNonQueryAsync(Token);
        return (store, Id, new Blocker(connection, transaction));
    }

    private sealed class Blocker(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await connection.DisposeAsync();
        }
    }
}
