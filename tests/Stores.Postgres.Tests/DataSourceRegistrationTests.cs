using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Xunit;

namespace SessionStores.Postgres.Tests;

/// <summary>Where a registered store's connection comes from: a connection string (its own overload), or an
/// <see cref="NpgsqlDataSource"/> the application registered. The rules every store's registration keeps are in
/// <see cref="PostgresRegistrationTests"/>.</summary>
public sealed class DataSourceRegistrationTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_connection_string_overload_registers_a_store_on_that_server_with_the_other_options()
    {
        var connectionString = await PostgresFixture.ConnectionStringAsync();
        var table = Db.NewName("di");
        var services = new ServiceCollection();
        services.AddPostgresSessionStore(connectionString, o =>
        {
            o.SchemaName = PostgresFixture.Schema;
            o.TableName = table;
        });
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<ISessionStore>();

        Assert.Equal(connectionString, provider.GetRequiredService<IOptions<PostgresSessionStoreOptions>>().Value.ConnectionString);
        Assert.Equal(1, (await store.SetAsync("a", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token)).Version);
        Assert.Equal(1L, await Db.ScalarAsync<long>($"SELECT count(*) FROM \"{PostgresFixture.Schema}\".\"{table}\""));
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
}
