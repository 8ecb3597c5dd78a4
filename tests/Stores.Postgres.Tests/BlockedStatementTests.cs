using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Postgres.Tests;

/// <summary>A statement waiting on a row another transaction holds: the caller's cancellation reaches the live server
/// as a cancel request and stays a cancellation; Npgsql's own <c>Command Timeout</c> (set in the connection string)
/// is a transient failure. The unreachable and stalled servers of the shared suites cover neither.</summary>
public sealed class BlockedStatementTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

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
