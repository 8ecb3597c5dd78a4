using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using Xunit;

namespace SessionStores.Postgres.Tests;

/// <summary>What the lease conformance suite cannot see on PostgreSQL: the lease table, NOTIFY, pruning of old rows,
/// and tables created by a version without leases.</summary>
public sealed class LeaseTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<PostgresSessionStore> StoreAsync(string table, bool createSchema = true) =>
        new(new PostgresSessionStoreOptions
        {
            DataSource = await PostgresFixture.DataSourceAsync(),
            SchemaName = PostgresFixture.Schema,
            TableName = table,
            CreateSchemaIfMissing = createSchema,
            EnablePruning = false,
        });

    [Fact]
    public async Task A_lease_is_a_row_of_the_lease_table_and_a_release_keeps_its_fence()
    {
        var table = Db.NewName("l");
        await using var store = await StoreAsync(table);
        var lease = await store.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, Token);
        Assert.NotNull(lease);

        Assert.Equal(lease.Owner, await Db.ScalarAsync<string>($"SELECT owner FROM \"{PostgresFixture.Schema}\".\"{table}_leases\" WHERE id = 'a'"));
        Assert.True(await store.ReleaseLeaseAsync(lease, Token));

        Assert.Equal(lease.Fence, await Db.ScalarAsync<long>($"SELECT fence FROM \"{PostgresFixture.Schema}\".\"{table}_leases\" WHERE id = 'a'"));
        Assert.Equal(0L, await Db.ScalarAsync<long>($"SELECT count(*) FROM \"{PostgresFixture.Schema}\".\"{table}\""));
    }

    [Fact]
    public async Task A_release_notifies_on_the_store_channel_and_wakes_a_waiter_of_another_instance()
    {
        var table = Db.NewName("l");
        await using var holderStore = await StoreAsync(table);
        await using var waiterStore = await StoreAsync(table);
        var holder = await holderStore.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, Token);
        Assert.NotNull(holder);

        // An independent listener on the channel the store documents: sessionstores_lease_ + a hash of the lease table.
        await using var listener = await (await PostgresFixture.DataSourceAsync()).OpenConnectionAsync(Token);
        var channel = await Db.ScalarAsync<string>(
            "SELECT 'sessionstores_lease_' || left(encode(sha256(convert_to($1, 'UTF8')), 'hex'), 24)",
            $"\"{PostgresFixture.Schema}\".\"{table}_leases\"");
        string? payload = null;
        listener.Notification += (_, e) => payload = e.Payload;
        await using (var listen = new NpgsqlCommand($"LISTEN \"{channel}\"", listener))
        {
            await listen.ExecuteNonQueryAsync(Token);
        }

        var waiter = waiterStore.AcquireLeaseAsync("a", Minute, Minute, Token);
        await Task.WhenAny(waiter, Task.Delay(300, Token));
        Assert.False(waiter.IsCompleted);
        Assert.True(await holderStore.ReleaseLeaseAsync(holder, Token));

        var taken = await waiter.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.NotNull(taken);
        Assert.True(await listener.WaitAsync(TimeSpan.FromSeconds(10), Token));
        Assert.Equal("a", payload);
    }

    [Fact]
    public async Task Pruning_removes_lease_rows_an_hour_after_their_lease_ended_and_keeps_the_others()
    {
        var table = Db.NewName("l");
        await using var store = await StoreAsync(table);
        var held = await store.AcquireLeaseAsync("held", Minute, TimeSpan.Zero, Token);
        var released = await store.AcquireLeaseAsync("released", Minute, TimeSpan.Zero, Token);
        Assert.True(await store.ReleaseLeaseAsync(released!, Token));
        await Db.ExecuteAsync(
            $"INSERT INTO \"{PostgresFixture.Schema}\".\"{table}_leases\" (id, owner, fence, expires_at) VALUES ('old', '', 1, now() - interval '61 minutes')");

        await store.PruneAsync(Token);

        var left = await Db.ScalarAsync<string>($"SELECT string_agg(id, ',' ORDER BY id) FROM \"{PostgresFixture.Schema}\".\"{table}_leases\"");
        Assert.Equal("held,released", left);
        Assert.NotNull(held);
    }

    [Fact]
    public async Task A_session_table_without_a_lease_table_gets_one_on_first_use_or_a_clear_error()
    {
        var table = Db.NewName("l");
        await using (var creator = await StoreAsync(table))
        {
            await creator.EnsureSchemaAsync(Token);
        }

        // As a version without leases left it.
        await Db.ExecuteAsync($"DROP TABLE \"{PostgresFixture.Schema}\".\"{table}_leases\"");

        await using (var restricted = await StoreAsync(table, createSchema: false))
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => restricted.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, Token));
            Assert.Contains("GenerateSchemaScript", error.Message, StringComparison.Ordinal);
        }

        await using var store = await StoreAsync(table);
        Assert.NotNull(await store.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, Token));
    }
}
