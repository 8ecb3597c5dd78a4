using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.MySql.Tests;

// The table the store creates, the script a DBA runs instead, and starting many instances at once.
public sealed class SchemaTests
{
    private static System.Threading.CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void The_shipped_script_is_the_generated_one()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "SessionStores.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        var shipped = File.ReadAllText(Path.Combine(directory.FullName, "src", "Stores.MySql", "sql", "create-sessionstores.sql"));
        Assert.Equal(MySqlSessionStore.GenerateSchemaScript(), shipped);
    }

    [Fact]
    public void The_script_refuses_an_invalid_table_name()
    {
        var ex = Assert.Throws<ArgumentException>(() => MySqlSessionStore.GenerateSchemaScript("x`; DROP TABLE y; --"));
        Assert.Contains("TableName", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_table_created_by_the_script_is_used_without_creating_anything()
    {
        var table = NewTable();
        await MySqlFixture.ScalarAsync(MySqlSessionStore.GenerateSchemaScript(table), Token);
        await using var store = Create(table, createSchema: false);

        await store.SetAsync("a", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token);

        Assert.Equal(new byte[] { 1 }, (await store.GetAsync("a", Token))!.Data.ToArray());
    }

    [Fact]
    public async Task A_missing_table_without_CreateSchemaIfMissing_names_the_setting_and_the_script()
    {
        await using var store = Create(NewTable(), createSchema: false);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => store.GetAsync("a", Token));

        Assert.Contains("CreateSchemaIfMissing", ex.Message, StringComparison.Ordinal);
        Assert.Contains("GenerateSchemaScript", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_table_that_is_not_a_session_table_is_refused()
    {
        var table = NewTable();
        await MySqlFixture.ScalarAsync($"CREATE TABLE `{table}` (id INT PRIMARY KEY) COMMENT='someone else''s'", Token);
        await using var store = Create(table, createSchema: true);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => store.EnsureSchemaAsync(Token));

        Assert.Contains("schema version 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("someone else's", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_instances_starting_at_once_create_the_table_once_and_all_work()
    {
        var table = NewTable();
        var stores = Enumerable.Range(0, 8).Select(_ => Create(table, createSchema: true)).ToArray();
        try
        {
            await Task.WhenAll(stores.Select((s, i) => s.SetAsync("id" + i, new SessionWrite(new byte[] { (byte)i }, TimeSpan.FromMinutes(1)), Token)));

            Assert.Equal(stores.Length, await stores[0].CountAsync(SessionQuery.All, Token));
            Assert.Equal(1L, Convert.ToInt64(await MySqlFixture.ScalarAsync(
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = @t", Token, ("@t", table))));
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
    public async Task The_table_is_InnoDB_with_case_sensitive_ids()
    {
        var table = NewTable();
        await using var store = Create(table, createSchema: true);
        await store.SetAsync("Abc", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token);
        await store.SetAsync("abc", new SessionWrite(new byte[] { 2 }, TimeSpan.FromMinutes(1)), Token);

        Assert.Equal("InnoDB", await MySqlFixture.ScalarAsync(
            "SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = @t", Token, ("@t", table)));
        Assert.Equal(new byte[] { 1 }, (await store.GetAsync("Abc", Token))!.Data.ToArray());
        Assert.Equal(new byte[] { 2 }, (await store.GetAsync("abc", Token))!.Data.ToArray());
    }

    internal static string NewTable() => "s" + Guid.NewGuid().ToString("N")[..20];

    internal static MySqlSessionStore Create(string table, bool createSchema) => new(new MySqlSessionStoreOptions
    {
        ConnectionString = MySqlFixture.ConnectionStringAsync().GetAwaiter().GetResult(),
        TableName = table,
        CreateSchemaIfMissing = createSchema,
        EnablePruning = false,
    });
}
