using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Xunit;

namespace SessionStores.Postgres.Tests;

public sealed class DependencyInjectionTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_connection_string_registers_a_working_store()
    {
        var connectionString = await PostgresFixture.ConnectionStringAsync();
        var services = new ServiceCollection();
        services.AddPostgresSessionStore(connectionString, o =>
        {
            o.SchemaName = PostgresFixture.Schema;
            o.TableName = Db.NewName("di");
        });
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<ISessionStore>();

        Assert.Same(provider.GetRequiredService<PostgresSessionStore>(), store);
        Assert.Equal(1, (await store.SetAsync("a", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token)).Version);
    }

    [Fact]
    public async Task A_registered_data_source_is_used_when_no_connection_is_configured()
    {
        var connectionString = await PostgresFixture.ConnectionStringAsync();
        var services = new ServiceCollection();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        services.AddSingleton(dataSource);
        services.AddPostgresSessionStore(o =>
        {
            o.SchemaName = PostgresFixture.Schema;
            o.TableName = Db.NewName("di");
        });
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<ISessionStore>();

        Assert.Same(dataSource, provider.GetRequiredService<IOptions<PostgresSessionStoreOptions>>().Value.DataSource);
        Assert.Equal(1, (await store.SetAsync("a", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token)).Version);
    }

    [Fact]
    public void Missing_connection_settings_fail_validation_naming_them()
    {
        var services = new ServiceCollection();
        services.AddPostgresSessionStore(o => o.TableName = "sessions");
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PostgresSessionStoreOptions>>().Value);
        Assert.Contains("ConnectionString", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Schema_and_table_names_with_control_characters_are_refused_as_they_would_reach_log_lines()
    {
        foreach (var name in new[] { "a\nb", "a\0b", "\u0085x", "x\u007f" })
        {
            var table = Assert.Throws<ArgumentException>(() => new PostgresSessionStore(new PostgresSessionStoreOptions { ConnectionString = "Host=127.0.0.1", TableName = name }));
            var schema = Assert.Throws<ArgumentException>(() => new PostgresSessionStore(new PostgresSessionStoreOptions { ConnectionString = "Host=127.0.0.1", SchemaName = name }));

            Assert.Contains("TableName must not contain control characters", table.Message, StringComparison.Ordinal);
            Assert.Contains("SchemaName must not contain control characters", schema.Message, StringComparison.Ordinal);
        }
    }
}
