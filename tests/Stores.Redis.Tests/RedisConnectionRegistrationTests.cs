using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace SessionStores.Redis.Tests;

/// <summary>What only Redis's registration does (the shared rules are <see cref="RedisRegistrationTests"/>): share the
/// application's registered multiplexer, and the connection-string overload.</summary>
public sealed class RedisConnectionRegistrationTests(RedisFixture fixture) : IClassFixture<RedisFixture>
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
    public async Task A_connection_string_registration_owns_its_connection_in_the_given_namespace()
    {
        var services = new ServiceCollection();
        var prefix = "di" + Guid.NewGuid().ToString("N")[..12] + ":";
        services.AddRedisSessionStore(await fixture.ConnectionStringAsync(), prefix);
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<RedisSessionStore>();
        var options = provider.GetRequiredService<IOptions<RedisSessionStoreOptions>>().Value;

        Assert.Equal(prefix, store.KeyPrefix);
        Assert.Null(options.ConnectionMultiplexer);
        Assert.Null(await store.GetAsync("absent", TestContext.Current.CancellationToken));
    }
}
