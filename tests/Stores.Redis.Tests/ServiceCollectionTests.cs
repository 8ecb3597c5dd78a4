using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Xunit;

namespace SessionStores.Redis.Tests;

public sealed class ServiceCollectionTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Without_connection_settings_the_registered_multiplexer_is_shared()
    {
        var connection = await fixture.ConnectionAsync();
        var services = new ServiceCollection();
        services.AddSingleton(connection);
        services.AddRedisSessionStore(options => options.KeyPrefix = "di" + Guid.NewGuid().ToString("N")[..12] + ":");
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<ISessionStore>();
        var id = Guid.NewGuid().ToString("N");
        await store.SetAsync(id, new SessionWrite(new byte[] { 7 }, TimeSpan.FromMinutes(1)), TestContext.Current.CancellationToken);

        Assert.IsType<RedisSessionStore>(store);
        Assert.Same(connection, provider.GetRequiredService<IOptions<RedisSessionStoreOptions>>().Value.ConnectionMultiplexer);
        Assert.Equal(new byte[] { 7 }, (await store.GetAsync(id, TestContext.Current.CancellationToken))!.Data.ToArray());
    }

    [Fact]
    public async Task A_connection_string_registration_owns_its_connection_and_replaces_an_earlier_store()
    {
        var services = new ServiceCollection();
        services.AddMemorySessionStore();
        services.AddRedisSessionStore(await fixture.ConnectionStringAsync(), "di" + Guid.NewGuid().ToString("N")[..12] + ":");
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<ISessionStore>();

        Assert.IsType<RedisSessionStore>(store);
        Assert.Null(await store.GetAsync("absent", TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Missing_connection_settings_fail_validation_naming_them()
    {
        var services = new ServiceCollection();
        services.AddRedisSessionStore(options => options.KeyPrefix = "x:");
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RedisSessionStoreOptions>>().Value);
        Assert.Contains("ConnectionString", ex.Message, StringComparison.Ordinal);
        Assert.Null(provider.GetService<IConnectionMultiplexer>());
    }

    [Fact]
    public async Task An_empty_key_prefix_fails_validation_naming_it()
    {
        var services = new ServiceCollection();
        var connectionString = await fixture.ConnectionStringAsync();
        services.AddRedisSessionStore(options =>
        {
            options.ConnectionString = connectionString;
            options.KeyPrefix = string.Empty;
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RedisSessionStoreOptions>>().Value);
        Assert.Contains("KeyPrefix must not be empty", ex.Message, StringComparison.Ordinal);
    }
}
