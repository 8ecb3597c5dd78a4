using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using Xunit;

namespace SessionStores.Postgres.Tests;

/// <summary>
/// A normal start writes no ERROR line to the server's log: the schema probe asks the catalog instead of reading a table
/// that may not exist (every failed statement is an ERROR line, and operators alert on those).
/// </summary>
public sealed class ServerLogTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Starting_stores_on_an_empty_database_and_again_on_the_created_schema_logs_no_server_error()
    {
        // Given: a database of its own, so that what the server records for it is this test's doing alone.
        var database = Db.NewName("logs");
        await Db.ExecuteAsync($"CREATE DATABASE \"{database}\"");
        try
        {
            var connectionString = new NpgsqlConnectionStringBuilder(await PostgresFixture.ConnectionStringAsync()) { Database = database }.ConnectionString;
            var log = await ServerLog.OpenAsync();
            var rollbacksBefore = 0L;

            await using (var dataSource = NpgsqlDataSource.Create(connectionString))
            {
                // When: stores start at once on an empty database (several on one table, some on others), then again on
                // the schema they created, each doing a first write and read.
                await StartStoresAsync(dataSource, "public");
                await StartStoresAsync(dataSource, "app_sessions");
                await StartStoresAsync(dataSource, "public");
                await StartStoresAsync(dataSource, "app_sessions");
                var backends = await BackendPidsAsync(dataSource, database);

                // Then: the server logged no ERROR for any backend of this database.
                if (log is not null)
                {
                    var errors = (await log.ReadNewLinesAsync()).Where(line => line.Contains("ERROR:", StringComparison.Ordinal) && backends.Any(line.Contains)).ToList();
                    Assert.True(errors.Count == 0, "Server log ERROR lines:\n" + string.Join('\n', errors));
                }
            }

            // And (whether or not the log can be read, e.g. a container's): no statement failed, because a failed
            // statement aborts its transaction, which the database's statistics count.
            Assert.Equal(rollbacksBefore, await RollbacksAsync(database));
        }
        finally
        {
            await Db.ExecuteAsync($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
        }
    }

    private static async Task StartStoresAsync(NpgsqlDataSource dataSource, string schema)
    {
        var stores = Enumerable.Range(0, 8).Select(i => new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = dataSource,
            SchemaName = schema,
            TableName = i < 5 ? "sessions" : $"other{i}",
            EnablePruning = false,
        })).ToArray();
        try
        {
            using var start = new ManualResetEventSlim();
            var runs = stores.Select((store, i) => Task.Run(
                async () =>
                {
                    start.Wait(Token);
                    var id = $"s{i}-{Guid.NewGuid():N}";
                    Assert.True((await store.SetAsync(id, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token)).Succeeded);
                    Assert.NotNull(await store.GetAsync(id, Token));
                },
                Token)).ToArray();
            start.Set();
            await Task.WhenAll(runs);
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    // The log line prefix of PostgreSQL's default (and of the test server) is "%m [%p] ": lines are told apart by pid.
    private static async Task<IReadOnlyList<string>> BackendPidsAsync(NpgsqlDataSource dataSource, string database)
    {
        await using var command = dataSource.CreateCommand("SELECT pid FROM pg_stat_activity WHERE datname = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = database });
        var pids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Token);
        while (await reader.ReadAsync(Token))
        {
            pids.Add($"[{reader.GetInt32(0)}]");
        }

        return pids;
    }

    // Rolled-back transactions of the database, once its backends have exited (a backend reports its counts on exit).
    private static async Task<long> RollbacksAsync(string database)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var open = await Db.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", database);
            if (open == 0 || DateTime.UtcNow > deadline)
            {
                Assert.Equal(0, open);
                break;
            }

            await Task.Delay(50, Token);
        }

        // Statistics are read once per transaction; clear that snapshot so the counts of the exited backends show.
        await using var connection = await (await PostgresFixture.DataSourceAsync()).OpenConnectionAsync(Token);
        await using (var clear = new NpgsqlCommand("SELECT pg_stat_clear_snapshot()", connection))
        {
            await clear.ExecuteNonQueryAsync(Token);
        }

        await using var command = new NpgsqlCommand("SELECT coalesce(xact_rollback, 0) FROM pg_stat_database WHERE datname = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = database });
        return await command.ExecuteScalarAsync(Token) is long rollbacks ? rollbacks : 0;
    }

    /// <summary>The server's log file, read through SQL from where it stood when opened.</summary>
    private sealed class ServerLog(string path, long offset)
    {
        /// <summary>The log when the server keeps one that SQL can read (a local test server does), else <see langword="null"/>.</summary>
        public static async Task<ServerLog?> OpenAsync()
        {
            // With the logging collector, pg_current_logfile() names the file (relative to the data directory); the
            // test server's pg_ctl -l puts it next to the data directory as server.log.
            var current = await Db.ScalarAsync<string>("SELECT pg_current_logfile()");
            var dataDirectory = await Db.ScalarAsync<string>("SELECT current_setting('data_directory')");
            var path = current is null
                ? System.IO.Path.Combine(System.IO.Path.GetDirectoryName(dataDirectory!.TrimEnd('/'))!, "server.log")
                : current.StartsWith('/') ? current : System.IO.Path.Combine(dataDirectory!, current);
            var size = await Db.ScalarAsync<long?>("SELECT (pg_stat_file($1, true)).size", path);
            return size is null ? null : new ServerLog(path, size.Value);
        }

        public async Task<IReadOnlyList<string>> ReadNewLinesAsync()
        {
            var size = await Db.ScalarAsync<long>("SELECT (pg_stat_file($1)).size", path);
            var text = await Db.ScalarAsync<string>("SELECT pg_read_file($1, $2, $3)", path, offset, size - offset) ?? string.Empty;
            return Regex.Split(text, "\r?\n");
        }
    }
}
