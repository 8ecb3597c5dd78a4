using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Npgsql;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Postgres.Tests;

public sealed class PruningTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pruning_removes_only_expired_rows_in_bounded_batches()
    {
        var logger = new CapturingLogger();
        var (store, table) = await CreateStoreAsync(batchSize: 1000, logger: logger);
        await using (store)
        {
            await FillAsync(table, expired: 2500, live: 40);

            var result = await store.PruneAsync(Token);

            Assert.True(result.Acquired);
            Assert.Equal(2500, result.Deleted);
            Assert.Equal(3, result.Batches);
            var perStatement = logger.Entries.Where(e => e.Id.Name == "PruneBatch").Select(e => e.Message).ToArray();
            Assert.All(logger.Entries.Where(e => e.Id.Name == "PruneBatch"), e => Assert.Equal(1302, e.Id.Id));
            Assert.Equal(["1000", "1000", "500"], perStatement.Select(m => m.Split(' ')[3]).ToArray());
            Assert.Equal(40L, await Db.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
            Assert.Equal(40, await store.CountAsync(SessionQuery.All, Token));
        }
    }

    [Fact]
    public async Task Rows_sharing_expiry_times_are_pruned_across_batch_boundaries()
    {
        // Batches of 7 over groups of 10, 1 and 25 rows with one expiry time each: most boundaries fall inside a tie, where
        // the next batch must start again at that expiry time (a cursor that moved strictly past it would skip rows).
        var (store, table) = await CreateStoreAsync(batchSize: 7);
        await using (store)
        {
            await Db.ExecuteAsync(
                $"INSERT INTO {table} (id, data, expires_at, version, subject, created_at) " +
                "SELECT 't' || g, '\\x01'::bytea, now() - interval '1 minute' * (CASE WHEN g <= 10 THEN 3 WHEN g = 11 THEN 2 ELSE 1 END), 1, NULL, now() - interval '1 hour' " +
                "FROM generate_series(1, 36) g");
            await FillAsync(table, expired: 0, live: 5);

            var result = await store.PruneAsync(Token);

            Assert.Equal(36, result.Deleted);
            Assert.Equal(6, result.Batches);
            Assert.Equal(5L, await Db.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
        }
    }

    [Fact]
    public async Task Only_one_instance_prunes_at_a_time()
    {
        var (first, table) = await CreateStoreAsync(batchSize: 100);
        await using var second = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = await PostgresFixture.DataSourceAsync(),
            SchemaName = PostgresFixture.Schema,
            TableName = table.Split('.')[1].Trim('"'),
            EnablePruning = false,
            PruneBatchSize = 100,
        });
        await using (first)
        {
            Assert.Equal(first.PruneLockKey, second.PruneLockKey);
            await FillAsync(table, expired: 300, live: 0);

            // Another instance (here: a DBA's job) holds the pruning lock: this instance does nothing.
            await using (var holder = await (await PostgresFixture.DataSourceAsync()).OpenConnectionAsync(Token))
            {
                await using var take = new NpgsqlCommand("SELECT pg_advisory_lock($1)", holder);
                take.Parameters.Add(new NpgsqlParameter { Value = first.PruneLockKey });
                await take.ExecuteNonQueryAsync(Token);

                Assert.Equal(new PostgresPruneResult(false, 0, 0), await first.PruneAsync(Token));
                Assert.Equal(new PostgresPruneResult(false, 0, 0), await second.PruneAsync(Token));
                Assert.Equal(300L, await Db.ScalarAsync<long>($"SELECT count(*) FROM {table}"));

                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", holder);
                release.Parameters.Add(new NpgsqlParameter { Value = first.PruneLockKey });
                Assert.True((bool)(await release.ExecuteScalarAsync(Token))!);
            }

            // Both at once: together they delete every row exactly once, and no pass errs.
            var results = await Task.WhenAll(first.PruneAsync(Token), second.PruneAsync(Token));
            Assert.Equal(300, results.Sum(r => r.Deleted));
            Assert.Contains(results, r => r.Acquired);
            Assert.Equal(0L, await Db.ScalarAsync<long>($"SELECT count(*) FROM {table}"));

            // The lock was released: a later pass acquires it.
            Assert.True((await second.PruneAsync(Token)).Acquired);
        }
    }

    [Fact]
    public async Task The_background_pruner_deletes_expired_rows()
    {
        var (store, table) = await CreateStoreAsync(batchSize: 50, interval: TimeSpan.FromMilliseconds(200));
        await using (store)
        {
            await FillAsync(table, expired: 120, live: 3);

            await Poll.UntilAsync(async () => await Db.ScalarAsync<long>($"SELECT count(*) FROM {table}") <= 3, "the background pruner did not run", 30_000);

            Assert.Equal(3, await store.CountAsync(SessionQuery.All, Token));
        }
    }

    [Fact]
    public async Task Background_pruning_failures_are_logged_and_never_reach_requests()
    {
        var logger = new CapturingLogger();
        var (store, table) = await CreateStoreAsync(batchSize: 10, interval: TimeSpan.FromMilliseconds(100), logger: logger);
        await using (store)
        {
            await store.EnsureSchemaAsync(Token);
            await Db.ExecuteAsync($"DROP TABLE {table}");

            await Poll.UntilAsync(() => logger.Entries.Any(e => e.Id.Name == "PruneFailed" && e.Level == LogLevel.Error), "the pruning failure was not logged", 30_000);

            var failure = logger.Entries.First(e => e.Id.Name == "PruneFailed");
            Assert.IsType<SessionStoreException>(failure.Exception);

            // The pruner keeps going (and keeps logging) instead of dying on the first failure.
            var failures = logger.Entries.Count(e => e.Id.Name == "PruneFailed");
            await Poll.UntilAsync(() => logger.Entries.Count(e => e.Id.Name == "PruneFailed") != failures, "the pruner stopped after a failure", 30_000);
        }
    }

    [Fact]
    public async Task Pruning_can_be_turned_off()
    {
        var table = Db.NewName("off");
        await using var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = await PostgresFixture.DataSourceAsync(),
            SchemaName = PostgresFixture.Schema,
            TableName = table,
            EnablePruning = false,
            PruneInterval = TimeSpan.Zero,
        });

        await store.EnsureSchemaAsync(Token);
        Assert.Equal(0, await store.CountAsync(SessionQuery.All, Token));
    }

    private static async Task<(PostgresSessionStore Store, string QuotedTable)> CreateStoreAsync(int batchSize, TimeSpan? interval = null, CapturingLogger? logger = null)
    {
        var table = Db.NewName("p");
        var store = new PostgresSessionStore(
            new PostgresSessionStoreOptions
            {
                DataSource = await PostgresFixture.DataSourceAsync(),
                SchemaName = PostgresFixture.Schema,
                TableName = table,
                EnablePruning = interval is not null,
                PruneInterval = interval ?? TimeSpan.FromMinutes(5),
                PruneBatchSize = batchSize,
            },
            logger);
        await store.EnsureSchemaAsync(Token);
        return (store, $"\"{PostgresFixture.Schema}\".\"{table}\"");
    }

    private static Task FillAsync(string table, int expired, int live) => Db.ExecuteAsync(
        $"INSERT INTO {table} (id, data, expires_at, version, subject, created_at) " +
        "SELECT 'e' || g, '\\x01'::bytea, now() - interval '1 hour', 1, NULL, now() - interval '2 hours' FROM generate_series(1, $1) g " +
        "UNION ALL SELECT 'l' || g, '\\x01'::bytea, now() + interval '1 hour', 1, NULL, now() FROM generate_series(1, $2) g",
        expired,
        live);
}
