using System;
using Microsoft.Extensions.Logging;
using SessionStores;
using SessionStores.MySql;
using SessionStores.MySql.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="MySqlSessionStore"/>.</summary>
public static class MySqlSessionStoreServiceCollectionExtensions
{
    /// <summary>Registers a singleton <see cref="MySqlSessionStore"/> as the application's <see cref="ISessionStore"/>.</summary>
    /// <remarks>
    /// An application has one session store, so this <em>replaces</em> any <see cref="ISessionStore"/> registered before
    /// (the last <c>Add*SessionStore</c> call wins, never a silent mix). The options are validated at start-up, naming
    /// every setting to fix. The container disposes the store, which stops its background pruner.
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddMySqlSessionStore(this IServiceCollection services, Action<MySqlSessionStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);

        // TODO(store): a backend whose users already have a client (a data source, a connection) registered takes it
        // from the services here: a PostConfigure on the returned options builder, or an overload.
        services.AddSessionStore<MySqlSessionStore, MySqlSessionStoreOptions, MySqlSessionStoreOptionsValidator>(
            configure,
            static (provider, options) => new MySqlSessionStore(options, provider.GetService<ILogger<MySqlSessionStore>>()));
        return services;
    }
}
