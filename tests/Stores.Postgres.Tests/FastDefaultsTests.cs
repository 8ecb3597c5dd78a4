using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using Xunit;

namespace SessionStores.Postgres.Tests;

/// <summary>
/// <see cref="PostgresSessionStoreOptions.Durability"/> and <see cref="PostgresSessionStoreOptions.PrepareStatements"/>
/// on a data source the application gives: what the store's own transactions run with, seen from inside them by a
/// trigger, and what the application's connections of the same pool are left with.
/// </summary>
public sealed class FastDefaultsTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(PostgresDurability.Relaxed, "off")]
    [InlineData(PostgresDurability.Full, "on")]
    public async Task Every_write_of_the_store_commits_with_the_durability_it_was_given(PostgresDurability durability, string expected)
    {
        // Given an application whose connections commit synchronously, and a store with the given durability on them.
        await using var dataSource = await DataSourceAsync(maxPoolSize: 4);
        var table = Db.NewName("du");
        await using var store = await StoreAsync(dataSource, table, durability, prepare: true);
        var seen = await RecordCommitSettingAsync(dataSource, table);

        // When the store writes in every way it writes.
        var ttl = TimeSpan.FromMinutes(5);
        var created = await store.SetAsync("s1", new SessionWrite(new byte[] { 1 }, ttl), Token);
        await store.SetAsync("s1", new SessionWrite(new byte[] { 2 }, ttl, expectedVersion: created.Version), Token);
        await store.SetAsync("s2", new SessionWrite(new byte[] { 3 }, ttl, expectedVersion: 0), Token);
        Assert.NotNull(await store.GetAndTouchAsync("s1", ttl, Token));
        Assert.True(await store.TouchAsync("s1", ttl, Token));
        Assert.True(await store.DestroyAsync("s2", Token));

        // Then each of its transactions ran with that setting, as seen from inside it (an upsert fires both row triggers).
        var rows = await seen();
        Assert.True(rows.Count >= 6, $"{rows.Count} row writes seen");
        Assert.All(rows, row => Assert.Equal(expected, row.Setting));
        Assert.Equal(["DELETE", "INSERT", "UPDATE"], rows.ConvertAll(row => row.Operation).Distinct().Order());
    }

    [Fact]
    public async Task Relaxed_durability_does_not_leak_to_the_applications_work_on_the_same_connection()
    {
        // Given a pool of one connection, shared by the application and a relaxed store, which Npgsql does not reset
        // when it returns to the pool (so a session-level setting would outlive the store's use of it).
        await using var dataSource = await DataSourceAsync(maxPoolSize: 1, noResetOnClose: true);
        var table = Db.NewName("dl");
        await using var store = await StoreAsync(dataSource, table, PostgresDurability.Relaxed, prepare: true);
        var backend = await ScalarAsync<int>(dataSource, "SELECT pg_backend_pid()");

        // When the store writes on it.
        await store.SetAsync("s1", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(5)), Token);
        Assert.NotNull(await store.GetAndTouchAsync("s1", TimeSpan.FromMinutes(5), Token));

        // Then the application's next use of that very connection, and its own transactions there, commit synchronously.
        Assert.Equal(backend, await ScalarAsync<int>(dataSource, "SELECT pg_backend_pid()"));
        Assert.Equal("on", await ScalarAsync<string>(dataSource, "SHOW synchronous_commit"));
        await using var connection = await dataSource.OpenConnectionAsync(Token);
        await using var transaction = await connection.BeginTransactionAsync(Token);
        await using var show = new NpgsqlCommand("SHOW synchronous_commit", connection, transaction);
        Assert.Equal("on", await show.ExecuteScalarAsync(Token));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_store_prepares_its_statements_on_a_given_data_source_unless_told_not_to(bool prepare)
    {
        // Given a data source without automatic preparation (Npgsql's default) and one connection.
        await using var dataSource = await DataSourceAsync(maxPoolSize: 1);
        var table = Db.NewName("pr");
        await using var store = await StoreAsync(dataSource, table, PostgresDurability.Full, prepare);

        // When the store runs its single-session operations.
        var write = await store.SetAsync("s1", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(5)), Token);
        await store.SetAsync("s1", new SessionWrite(new byte[] { 2 }, TimeSpan.FromMinutes(5), expectedVersion: write.Version), Token);
        Assert.NotNull(await store.GetAsync("s1", Token));
        Assert.NotNull(await store.GetAndTouchAsync("s1", TimeSpan.FromMinutes(5), Token));

        // Then the connection holds them as prepared statements (or none of them).
        var prepared = await ScalarAsync<long>(dataSource, $"SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%{table}%'");
        if (prepare)
        {
            Assert.True(prepared >= 4, $"{prepared} of the store's statements are prepared");
        }
        else
        {
            Assert.Equal(0, prepared);
        }
    }

    [Fact]
    public async Task A_multiplexing_data_source_which_refuses_explicit_preparation_still_works()
    {
        // Given a data source with Npgsql's multiplexing, which refuses explicit preparation.
        var builder = new NpgsqlConnectionStringBuilder(await PostgresFixture.ConnectionStringAsync()) { Multiplexing = true, MaxPoolSize = 2 };
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        await using var store = await StoreAsync(dataSource, Db.NewName("mx"), PostgresDurability.Relaxed, prepare: true);

        // When the store writes and reads, then it works, its statements left to the data source's own preparation.
        var write = await store.SetAsync("s1", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(5)), Token);
        Assert.True((await store.SetAsync("s1", new SessionWrite(new byte[] { 2 }, TimeSpan.FromMinutes(5), expectedVersion: write.Version), Token)).Succeeded);
        Assert.Equal(new byte[] { 2 }, (await store.GetAndTouchAsync("s1", TimeSpan.FromMinutes(5), Token))!.Data.ToArray());
    }

    private static async Task<NpgsqlDataSource> DataSourceAsync(int maxPoolSize, bool noResetOnClose = false)
    {
        var builder = new NpgsqlConnectionStringBuilder(await PostgresFixture.ConnectionStringAsync())
        {
            MaxPoolSize = maxPoolSize,
            NoResetOnClose = noResetOnClose,

            // Whatever the test server's default, the application here commits synchronously.
            Options = "-c synchronous_commit=on",
        };
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    private static async Task<PostgresSessionStore> StoreAsync(NpgsqlDataSource dataSource, string table, PostgresDurability durability, bool prepare)
    {
        var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = dataSource,
            SchemaName = PostgresFixture.Schema,
            TableName = table,
            EnablePruning = false,
            Durability = durability,
            PrepareStatements = prepare,
        });
        await store.EnsureSchemaAsync(Token);
        return store;
    }

    /// <summary>Adds a trigger to the store's table that records, for every row written, the operation and the
    /// <c>synchronous_commit</c> of the transaction writing it; returns a reader of those records in order.</summary>
    private static async Task<Func<Task<List<(string Operation, string Setting)>>>> RecordCommitSettingAsync(NpgsqlDataSource dataSource, string table)
    {
        var qualified = $"\"{PostgresFixture.Schema}\".\"{table}\"";
        var log = $"\"{PostgresFixture.Schema}\".\"{table}_seen\"";
        var function = $"\"{PostgresFixture.Schema}\".\"{table}_seen_fn\"";
        await using (var setup = dataSource.CreateCommand($"""
            CREATE TABLE {log} (n bigserial PRIMARY KEY, op text NOT NULL, setting text NOT NULL);
            CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO {log} (op, setting) VALUES (TG_OP, current_setting('synchronous_commit'));
              RETURN COALESCE(NEW, OLD);
            END $$;
            CREATE TRIGGER seen BEFORE INSERT OR UPDATE OR DELETE ON {qualified} FOR EACH ROW EXECUTE FUNCTION {function}();
            """))
        {
            await setup.ExecuteNonQueryAsync(Token);
        }

        return async () =>
        {
            var seen = new List<(string, string)>();
            await using var read = dataSource.CreateCommand($"SELECT op, setting FROM {log} ORDER BY n");
            await using var reader = await read.ExecuteReaderAsync(Token);
            while (await reader.ReadAsync(Token))
            {
                seen.Add((reader.GetString(0), reader.GetString(1)));
            }

            return seen;
        };
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Token))!;
    }
}
