using System;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using SessionStores;
using SessionStores.MySql;
using SessionStores.MySql.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="MySqlSessionStore"/>.</summary>
public static class MySqlSessionStoreServiceCollectionExtensions
{
    /// <summary>Registers a singleton <see cref="MySqlSessionStore"/> as the application's <see cref="ISessionStore"/>.</summary>
    /// <remarks>
    /// <para>An application has one session store, so this <em>replaces</em> any <see cref="ISessionStore"/> registered
    /// before (the last <c>Add*SessionStore</c> call wins, never a silent mix). The options are validated at start-up,
    /// naming every setting to fix. The container disposes the store, which stops its background pruner.</para>
    /// <para>The connection comes from <see cref="MySqlSessionStoreOptions.DataSource"/>, else
    /// <see cref="MySqlSessionStoreOptions.ConnectionString"/>, else a <see cref="MySqlDataSource"/> registered in the
    /// services (for example by <c>AddMySqlDataSource</c>), which the store then shares and does not dispose.</para>
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddMySqlSessionStore(this IServiceCollection services, Action<MySqlSessionStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSessionStore<MySqlSessionStore, MySqlSessionStoreOptions, MySqlSessionStoreOptionsValidator>(
                configure,
                static (provider, options) => new MySqlSessionStore(options, provider.GetService<ILogger<MySqlSessionStore>>()))
            .PostConfigure<IServiceProvider>(static (options, provider) =>
            {
                if (options.DataSource is null && string.IsNullOrWhiteSpace(options.ConnectionString))
                {
                    options.DataSource = provider.GetService<MySqlDataSource>();
                }
            });
        return services;
    }

    /// <summary>Registers a singleton <see cref="MySqlSessionStore"/> over a connection string; see
    /// <see cref="AddMySqlSessionStore(IServiceCollection, Action{MySqlSessionStoreOptions})"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="connectionString">The MySqlConnector connection string.</param>
    /// <param name="configure">Configures the other options; may be <see langword="null"/>.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddMySqlSessionStore(this IServiceCollection services, string connectionString, Action<MySqlSessionStoreOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return services.AddMySqlSessionStore(options =>
        {
            options.ConnectionString = connectionString;
            configure?.Invoke(options);
        });
    }
}
