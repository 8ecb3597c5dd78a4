using System;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.Postgres;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Admin.Tests;

/// <summary>The tool against this process's PostgreSQL server; each test has a table of its own.</summary>
public sealed class PostgresAdminToolTests : AdminToolTests
{
    private const string Schema = "sessionstores_admin";

    private static Task<string> ConnectionStringAsync() => PostgresTestServer.ResolveAsync().ContinueWith(t => t.Result.EnsureAvailable(), TaskScheduler.Default);

    private async Task<(PostgresSessionStore Store, string Table, string[] StoreArgs)> CreateTableAsync()
    {
        var connectionString = await ConnectionStringAsync();
        var table = "t" + Guid.NewGuid().ToString("N")[..16];
        var store = Own(new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            ConnectionString = connectionString,
            SchemaName = Schema,
            TableName = table,
            EnablePruning = false,
            OperationTimeout = OperationTimeout,
        }));
        await store.EnsureSchemaAsync(TestContext.Current.CancellationToken);
        return (store, table, ["--store", "postgres", "--connection", connectionString, "--schema", Schema, "--table", table, "--timeout", TimeoutSeconds]);
    }

    protected override async Task<(ISessionStore Store, string[] StoreArgs)> CreateAsync()
    {
        var (store, _, storeArgs) = await CreateTableAsync();
        return (store, storeArgs);
    }

    [Fact]
    public async Task Prune_deletes_the_expired_rows_and_keeps_the_live_ones()
    {
        var (store, table, storeArgs) = await CreateTableAsync();
        await Seeded.FillAsync(store, 2000, "live");
        await using (var dataSource = NpgsqlDataSource.Create(await ConnectionStringAsync()))
        {
            // Rows that expired an hour ago, as an application that stopped touching them leaves them.
            await using var insert = dataSource.CreateCommand(
                $"INSERT INTO \"{Schema}\".\"{table}\" (id, data, expires_at, version, subject, created_at) " +
                "SELECT 'old-' || g, '\\x00'::bytea, now() - interval '1 hour', 1, 'user-0', now() - interval '2 hours' FROM generate_series(1, 1500) g");
            await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var before = (await AdminRun.InProcessAsync(Args(storeArgs, "count", "--json"))).Json();
        var pruned = (await AdminRun.InProcessAsync(Args(storeArgs, "prune", "--json"))).Json();
        var again = (await AdminRun.InProcessAsync(Args(storeArgs, "prune", "--json"))).Json();

        Assert.Equal(2000, before.GetProperty("count").GetInt64());
        Assert.True(pruned.GetProperty("ran").GetBoolean());
        Assert.Equal(1500, pruned.GetProperty("deleted").GetInt64());
        Assert.Equal(0, again.GetProperty("deleted").GetInt64());
        Assert.Equal(2000, await store.CountAsync(SessionQuery.All, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_missing_table_is_a_store_failure_with_exit_code_3_and_is_not_created()
    {
        var connectionString = await ConnectionStringAsync();
        var table = "missing" + Guid.NewGuid().ToString("N")[..8];

        var result = await AdminRun.InProcessAsync(["count", "--store", "postgres", "-c", connectionString, "--schema", Schema, "--table", table]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("has no SessionStores schema record", result.Error, StringComparison.Ordinal);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var exists = dataSource.CreateCommand($"SELECT to_regclass('\"{Schema}\".\"{table}\"') IS NOT NULL");
        Assert.False((bool)(await exists.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_store_failure_with_exit_code_3()
    {
        var result = await AdminRun.InProcessAsync(
            ["list", "--store", "postgres", "-c", $"Host=127.0.0.1;Port={LoopbackPorts.Free()};Username=postgres;Timeout=3"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("PostgreSQL session store", result.Error, StringComparison.Ordinal);
    }
}
