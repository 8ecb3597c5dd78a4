using System;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<RedisSessionStoreOptions>()
            .Configure(configure)
            .PostConfigure<IServiceProvider>((options, provider) =>
            {
                if (string.IsNullOrWhiteSpace(options.ConnectionString) && options.Configuration is null)
                {
                    options.ConnectionMultiplexer ??= provider.GetService<IConnectionMultiplexer>();
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisSessionStoreOptions>, RedisSessionStoreOptionsValidation>());

        services.Replace(ServiceDescriptor.Singleton<RedisSessionStore, RedisSessionStore>(provider => new RedisSessionStore(
            provider.GetRequiredService<IOptions<RedisSessionStoreOptions>>().Value,
            provider.GetService<ILogger<RedisSessionStore>>())));
        services.Replace(ServiceDescriptor.Singleton<ISessionStore>(provider => provider.GetRequiredService<RedisSessionStore>()));
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
