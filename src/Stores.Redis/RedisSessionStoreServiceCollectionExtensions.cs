using System;
using Microsoft.Extensions.Logging;
using SessionStores;
using SessionStores.Redis;
using SessionStores.Redis.Internal;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="RedisSessionStore"/>.</summary>
public static class RedisSessionStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="RedisSessionStore"/> as the application's <see cref="ISessionStore"/>.
    /// </summary>
    /// <remarks>
    /// <para>An application has one session store, so this <em>replaces</em> any <see cref="ISessionStore"/> registered
    /// before (a later <c>Add*SessionStore</c> call wins, never a silent mix). Options are validated at start.</para>
    /// <para>Connect with <see cref="RedisSessionStoreOptions.ConnectionString"/>,
    /// <see cref="RedisSessionStoreOptions.Configuration"/> or <see cref="RedisSessionStoreOptions.ConnectionMultiplexer"/>;
    /// when none is set, the <see cref="IConnectionMultiplexer"/> registered in the container is shared.</para>
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddRedisSessionStore(this IServiceCollection services, Action<RedisSessionStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSessionStore<RedisSessionStore, RedisSessionStoreOptions, RedisSessionStoreOptionsValidator>(
                configure,
                static (provider, options) => new RedisSessionStore(options, provider.GetService<ILogger<RedisSessionStore>>()))
            .PostConfigure<IServiceProvider>(static (options, provider) =>
            {
                // No connection configured: share the application's multiplexer, as its other Redis users do.
                if (string.IsNullOrWhiteSpace(options.ConnectionString) && options.Configuration is null)
                {
                    options.ConnectionMultiplexer ??= provider.GetService<IConnectionMultiplexer>();
                }
            });
        return services;
    }

    /// <summary>
    /// Registers a singleton <see cref="RedisSessionStore"/> over a Redis connection string, replacing any earlier
    /// <see cref="ISessionStore"/> (see <see cref="AddRedisSessionStore(IServiceCollection, Action{RedisSessionStoreOptions})"/>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="connectionString">A StackExchange.Redis connection string.</param>
    /// <param name="keyPrefix">The key prefix (namespace); the default is <c>"session:"</c>.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddRedisSessionStore(this IServiceCollection services, string connectionString, string keyPrefix = "session:")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return services.AddRedisSessionStore(options =>
        {
            options.ConnectionString = connectionString;
            options.KeyPrefix = keyPrefix;
        });
    }
}
