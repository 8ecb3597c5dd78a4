using System;
using Microsoft.Extensions.Logging;
using SessionStores;
using SessionStores.Mongo;
using SessionStores.Mongo.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="MongoSessionStore"/>.</summary>
public static class MongoSessionStoreServiceCollectionExtensions
{
    /// <summary>Registers a singleton <see cref="MongoSessionStore"/> as the application's <see cref="ISessionStore"/>.</summary>
    /// <remarks>
    /// An application has one session store, so this <em>replaces</em> any <see cref="ISessionStore"/> registered before
    /// (the last <c>Add*SessionStore</c> call wins, never a silent mix). Options are validated at start: set
    /// <see cref="MongoSessionStoreOptions.ConnectionString"/> or pass an existing
    /// <see cref="MongoSessionStoreOptions.Client"/>.
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddMongoSessionStore(this IServiceCollection services, Action<MongoSessionStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSessionStore<MongoSessionStore, MongoSessionStoreOptions, MongoSessionStoreOptionsValidator>(
            configure, static (provider, options) => new MongoSessionStore(options, provider.GetService<ILogger<MongoSessionStore>>()));
        return services;
    }
}
