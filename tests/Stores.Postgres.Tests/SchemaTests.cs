using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.Postgres.Internal;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Postgres.Tests;

public sealed class SchemaTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Many_instances_creating_the_same_schema_at_once_all_succeed()
    {
        var dataSource = await PostgresFixture.DataSourceAsync();
        var schema = Db.NewName("c");
        var sharedTable = "sessions";

        // Eight instances of one table plus four other tables, all in a schema that does not exist yet.
        var stores = Enumerable.Range(0, 12).Select(i => new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = dataSource,
            SchemaName = schema,
            TableName = i < 8 ? sharedTable : $"other{i}",
            EnablePruning = false,
        })).ToArray();
        try
        {
            using var start = new ManualResetEventSlim();
            var creations = stores.Select(s => Task.Run(async () => { start.Wait(Token); await s.EnsureSchemaAsync(Token); }, Token)).ToArray();
            start.Set();
            await Task.WhenAll(creations);

            // Five session tables, each with its lease table.
            Assert.Equal(10L, await Db.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename <> 'sessionstores_schema'", schema));
            Assert.Equal(5L, await Db.ScalarAsync<long>($"SELECT count(*) FROM \"{schema}\".sessionstores_schema WHERE version = 1"));
            Assert.True((await stores[0].SetAsync("a", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token)).Succeeded);
            Assert.NotNull(await stores[7].GetAsync("a", Token));
            Assert.Null(await stores[8].GetAsync("a", Token));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Instances_that_waited_for_the_schema_lock_find_the_table_and_run_no_ddl()
    {
        // Given: the schema's advisory lock is held, so every starting instance reads "no schema version" and queues on it.
        var dataSource = await PostgresFixture.DataSourceAsync();
        var schema = Db.NewName("w");
        var table = Db.NewName("t");
        var key = LockKeys.For("schema", PostgresCommands.Quote(schema));
        using var ddl = new StatementCounter($"\"{table}\"");
        var stores = Enumerable.Range(0, 6).Select(_ => new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = dataSource,
            SchemaName = schema,
            TableName = table,
            EnablePruning = false,
        })).ToArray();
        try
        {
            Task[] starts;
            await using (var holder = await dataSource.OpenConnectionAsync(Token))
            {
                await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock($1)", holder))
                {
                    take.Parameters.Add(new NpgsqlParameter { Value = key });
                    await take.ExecuteNonQueryAsync(Token);
                }

                starts = stores.Select(s => s.EnsureSchemaAsync(Token)).ToArray();
                await Poll.UntilAsync(
                    async () => await Db.ScalarAsync<long>(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND ((classid::bigint << 32) | objid::bigint) = $1",
                        key) == stores.Length,
                    "the starting instances did not all wait for the schema lock", timeoutMs: 30_000);

                // When: the lock is released.
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", holder);
                release.Parameters.Add(new NpgsqlParameter { Value = key });
                await release.ExecuteNonQueryAsync(Token);
            }

            await Task.WhenAll(starts);

            // Then: the first creates the table; the others read the version again and send no DDL (CREATE INDEX IF NOT
            // EXISTS would take a SHARE lock on the table the first one already serves from).
            var statements = ddl.Statements;
            Assert.True(statements.Count == 1, $"{statements.Count} DDL batches: {string.Join(" | ", statements.Lines())}");
            Assert.Equal(1L, await Db.ScalarAsync<long>($"SELECT count(*) FROM \"{schema}\".sessionstores_schema WHERE table_name = $1", table));
            Assert.True((await stores[0].SetAsync("a", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token)).Succeeded);
            foreach (var store in stores)
            {
                Assert.NotNull(await store.GetAsync("a", Token));
            }
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_role_that_may_create_tables_in_public_but_not_schemas_gets_its_table()
    {
        // Given: a role with CONNECT on the database and USAGE, CREATE on schema public only (PostgreSQL 15's default for
        // an application role that does not own the database). CREATE SCHEMA IF NOT EXISTS "public" would fail for it.
        var admin = await PostgresFixture.DataSourceAsync();
        if (!await Db.ScalarAsync<bool>("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"))
        {
            Assert.Skip("The test server's user may not create roles.");
        }

        var role = Db.NewName("app");
        var password = Guid.NewGuid().ToString("N");
        var database = await Db.ScalarAsync<string>("SELECT current_database()");
        await Db.ExecuteAsync($"CREATE ROLE {PostgresCommands.Quote(role)} LOGIN PASSWORD '{password}'");
        try
        {
            await Db.ExecuteAsync($"GRANT CONNECT ON DATABASE {PostgresCommands.Quote(database!)} TO {PostgresCommands.Quote(role)}");
            await Db.ExecuteAsync($"GRANT USAGE, CREATE ON SCHEMA public TO {PostgresCommands.Quote(role)}");
            Assert.False(await Db.ScalarAsync<bool>("SELECT has_database_privilege($1, current_database(), 'CREATE')", role));
            if (await Db.ScalarAsync<bool>("SELECT to_regclass('public.sessionstores_schema') IS NOT NULL"))
            {
                // Left by someone else on a shared server: the role needs what a DBA would grant it.
                await Db.ExecuteAsync($"GRANT SELECT, INSERT ON public.sessionstores_schema TO {PostgresCommands.Quote(role)}");
            }

            var connectionString = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Username = role, Password = password, Pooling = false };
            await using var dataSource = NpgsqlDataSource.Create(connectionString);

            // When: a store with the default CreateSchemaIfMissing starts on a new table in public.
            var table = Db.NewName("s");
            await using (var store = new PostgresSessionStore(new PostgresSessionStoreOptions { DataSource = dataSource, TableName = table, EnablePruning = false }))
            {
                await store.EnsureSchemaAsync(Token);

                // Then: it created its table, owned by the role, and works.
                Assert.Equal(role, await Db.ScalarAsync<string>("SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = $1", table));
                Assert.Equal(1, (await store.SetAsync("a", new SessionWrite(new byte[] { 7 }, TimeSpan.FromMinutes(1), subject: "alice"), Token)).Version);
                Assert.Equal(new byte[] { 7 }, (await store.GetAsync("a", Token))!.Data.ToArray());
                Assert.Equal(1, await store.DestroyManyAsync(SessionQuery.ForSubject("alice"), Token));
            }

            // And the DBA script, run by the same role, works the same way.
            var dbaTable = Db.NewName("d");
            await using (var script = dataSource.CreateCommand(PostgresSessionStore.GenerateSchemaScript("public", dbaTable)))
            {
                await script.ExecuteNonQueryAsync(Token);
            }

            await using (var store = new PostgresSessionStore(new PostgresSessionStoreOptions
            {
                DataSource = dataSource,
                TableName = dbaTable,
                CreateSchemaIfMissing = false,
                EnablePruning = false,
            }))
            {
                Assert.Equal(1, (await store.SetAsync("a", new SessionWrite(new byte[] { 8 }, TimeSpan.FromMinutes(1)), Token)).Version);
            }
        }
        finally
        {
            await Db.ExecuteAsync($"DROP OWNED BY {PostgresCommands.Quote(role)}");
            await Db.ExecuteAsync($"DROP ROLE {PostgresCommands.Quote(role)}");
        }
    }

    [Fact]
    public async Task The_dba_script_creates_a_missing_schema_whatever_its_name()
    {
        var schema = "$sessionstores$ 'quoted' \"" + Guid.NewGuid().ToString("N")[..8];
        await Db.ExecuteAsync(PostgresSessionStore.GenerateSchemaScript(schema, "t"));
        await Db.ExecuteAsync(PostgresSessionStore.GenerateSchemaScript(schema, "t"));

        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = 't'", schema));
    }

    [Theory]
    [InlineData("Odd \"Schema\".v1", "Sess.ions; DROP TABLE x; --\"")]
    [InlineData("UPPER case", "tab le with spaces ünïcødé")]
    public async Task Schema_and_table_names_that_need_quoting_work(string schemaPrefix, string table)
    {
        var schema = schemaPrefix + Guid.NewGuid().ToString("N")[..8];
        await using var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = await PostgresFixture.DataSourceAsync(),
            SchemaName = schema,
            TableName = table,
            PruneBatchSize = 1,
        });

        await store.SetAsync("a", new SessionWrite(new byte[] { 1, 2 }, TimeSpan.FromMinutes(1), subject: "alice"), Token);
        await store.SetAsync("gone", new SessionWrite(new byte[] { 3 }, TimeSpan.FromMilliseconds(1)), Token);
        Assert.Equal(new byte[] { 1, 2 }, (await store.GetAsync("a", Token))!.Data.ToArray());
        Assert.NotNull(await store.GetAndTouchAsync("a", TimeSpan.FromMinutes(2), Token));
        Assert.True(await store.TouchAsync("a", TimeSpan.FromMinutes(3), Token));
        Assert.Equal(2, (await store.SetAsync("a", new SessionWrite(new byte[] { 9 }, TimeSpan.FromMinutes(1), "alice", expectedVersion: 1), Token)).Version);
        Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject("alice"), Token));
        Assert.Single(await store.ListAsync(SessionQuery.All, Token).ToListAsync(Token));
        await Task.Delay(50, Token);
        Assert.Equal(1, (await store.PruneAsync(Token)).Deleted);
        Assert.Equal(1, await store.DestroyManyAsync(SessionQuery.All, Token));

        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = $2", schema, table));
    }

    [Fact]
    public async Task Without_create_permission_a_missing_table_is_reported_naming_the_setting()
    {
        await using var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = await PostgresFixture.DataSourceAsync(),
            SchemaName = Db.NewName("m"),
            CreateSchemaIfMissing = false,
            EnablePruning = false,
        });

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => store.GetAsync("a", Token));

        Assert.Contains("CreateSchemaIfMissing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dba_script_creates_what_the_store_needs()
    {
        var schema = Db.NewName("dba");
        await Db.ExecuteAsync(PostgresSessionStore.GenerateSchemaScript(schema, "web_sessions"));
        await using var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = await PostgresFixture.DataSourceAsync(),
            SchemaName = schema,
            TableName = "web_sessions",
            CreateSchemaIfMissing = false,
            EnablePruning = false,
        });

        Assert.Equal(1, (await store.SetAsync("a", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token)).Version);
        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND indexname = 'web_sessions_expires_idx'", schema));
        Assert.Equal(1L, await Db.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND indexname = 'web_sessions_subject_idx'", schema));
    }

    [Fact]
    public void The_shipped_script_is_the_generated_one()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "SessionStores.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        var shipped = File.ReadAllText(Path.Combine(directory.FullName, "src", "Stores.Postgres", "sql", "create-sessionstores.sql"));
        Assert.Equal(PostgresSessionStore.GenerateSchemaScript(), shipped);
    }

    [Fact]
    public async Task A_table_of_another_schema_version_is_refused()
    {
        var options = new PostgresSessionStoreOptions
        {
            DataSource = await PostgresFixture.DataSourceAsync(),
            SchemaName = PostgresFixture.Schema,
            TableName = Db.NewName("v"),
            EnablePruning = false,
        };
        await using (var first = new PostgresSessionStore(options))
        {
            await first.EnsureSchemaAsync(Token);
        }

        await Db.ExecuteAsync($"UPDATE \"{PostgresFixture.Schema}\".sessionstores_schema SET version = 2 WHERE table_name = $1", options.TableName);
        await using var second = new PostgresSessionStore(options);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => second.GetAsync("a", Token));
        Assert.Contains("schema version 2", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "p")]
    [InlineData(true, "u")]
    public async Task The_table_is_logged_unless_asked_otherwise(bool unlogged, string persistence)
    {
        var table = Db.NewName("l");
        await using var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = await PostgresFixture.DataSourceAsync(),
            SchemaName = PostgresFixture.Schema,
            TableName = table,
            UnloggedTable = unlogged,
            EnablePruning = false,
        });
        await store.EnsureSchemaAsync(Token);

        var actual = await Db.ScalarAsync<char>(
            "SELECT c.relpersistence FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
            PostgresFixture.Schema,
            table);
        Assert.Equal(persistence[0], actual);
    }
}
