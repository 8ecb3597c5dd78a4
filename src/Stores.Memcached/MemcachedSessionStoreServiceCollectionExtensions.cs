using System;
using Microsoft.Extensions.Logging;
using SessionStores;
using SessionStores.Memcached;
using SessionStores.Memcached.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="MemcachedSessionStore"/>.</summary>
public static class MemcachedSessionStoreServiceCollectionExtensions
{
    /// <summary>Registers a singleton <see cref="MemcachedSessionStore"/> as the application's <see cref="ISessionStore"/>.</summary>
    /// <remarks>
    /// An application has one session store, so this <em>replaces</em> any <see cref="ISessionStore"/> registered before
    /// (the last <c>Add*SessionStore</c> call wins, never a silent mix). The options are validated at start-up, naming
    /// every setting to fix. The container disposes the store, which closes its connections. The store carries its own
    /// memcached client, so there is no client to take from the services.
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddMemcachedSessionStore(this IServiceCollection services, Action<MemcachedSessionStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSessionStore<MemcachedSessionStore, MemcachedSessionStoreOptions, MemcachedSessionStoreOptionsValidator>(
            configure,
            static (provider, options) => new MemcachedSessionStore(options, provider.GetService<ILogger<MemcachedSessionStore>>()));
        return services;
    }
}
