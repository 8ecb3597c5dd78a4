using System;
using System.Threading;
using System.Threading.Tasks;
using MySqlConnector;
using Xunit;

namespace SessionStores.MySql.Tests;

// Pruning: only expired rows go, in batches, and one instance prunes at a time (the table's GET_LOCK).
public sealed class PruningTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_pass_deletes_every_expired_row_in_batches_and_no_live_one()
    {
        var table = SchemaTests.NewTable();
        await using var store = Create(table, batchSize: 3);
        for (var i = 0; i < 7; i++)
        {
            await store.SetAsync("old" + i, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token);
        }

        await store.SetAsync("live", new SessionWrite(new byte[] { 2 }, TimeSpan.FromMinutes(1)), Token);
        await MySqlFixture.ScalarAsync($"UPDATE `{table}` SET expires_at_ms = expires_at_ms - 3600000 WHERE id LIKE 'old%'", Token);

        var result = await store.PruneAsync(Token);

        Assert.Equal(new MySqlPruneResult(true, 7, 3), result);
        Assert.Equal(1L, Convert.ToInt64(await MySqlFixture.ScalarAsync($"SELECT COUNT(*) FROM `{table}`", Token)));
        Assert.NotNull(await store.GetAsync("live", Token));
    }

    [Fact]
    public async Task A_pass_does_nothing_while_another_instance_holds_the_pruning_lock()
    {
        var table = SchemaTests.NewTable();
        await using var store = Create(table, batchSize: 100);
        await store.SetAsync("old", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token);
        await MySqlFixture.ScalarAsync($"UPDATE `{table}` SET expires_at_ms = expires_at_ms - 3600000", Token);

        // Another instance's pass: the same lock name, held on a connection of its own.
        await using var other = new MySqlConnection(await MySqlFixture.ConnectionStringAsync());
        await other.OpenAsync(Token);
        await using (var take = new MySqlCommand(LockStatement("GET_LOCK", ", 0"), other))
        {
            take.Parameters.AddWithValue("@table", table);
            Assert.Equal(1L, Convert.ToInt64(await take.ExecuteScalarAsync(Token)));
        }

        Assert.Equal(new MySqlPruneResult(false, 0, 0), await store.PruneAsync(Token));

        await using (var release = new MySqlCommand(LockStatement("RELEASE_LOCK", string.Empty), other))
        {
            release.Parameters.AddWithValue("@table", table);
            await release.ExecuteScalarAsync(Token);
        }

        Assert.Equal(new MySqlPruneResult(true, 1, 1), await store.PruneAsync(Token));
    }

    [Fact]
    public async Task The_pruning_lock_is_released_after_a_pass()
    {
        var table = SchemaTests.NewTable();
        await using var first = Create(table, batchSize: 10);
        await using var second = Create(table, batchSize: 10);

        Assert.True((await first.PruneAsync(Token)).Acquired);
        Assert.True((await second.PruneAsync(Token)).Acquired);
    }

    // The name the store uses (see MySqlCommands): the database and table hashed into MySQL's 64 characters.
    private static string LockStatement(string function, string suffix) =>
        $"SELECT {function}(CONCAT('sessionstores:prune:', LEFT(SHA2(CONCAT(DATABASE(), '.', @table), 256), 40)){suffix})";

    private static MySqlSessionStore Create(string table, int batchSize) => new(new MySqlSessionStoreOptions
    {
        ConnectionString = MySqlFixture.ConnectionStringAsync().GetAwaiter().GetResult(),
        TableName = table,
        EnablePruning = false,
        PruneBatchSize = batchSize,
    });
}
