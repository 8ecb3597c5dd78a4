using System;
using Microsoft.Extensions.Logging;
using Npgsql;
using SessionStores;
using SessionStores.Postgres;
using SessionStores.Postgres.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="PostgresSessionStore"/>.</summary>
public static class PostgresSessionStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="PostgresSessionStore"/> as the application's <see cref="ISessionStore"/>.
    /// </summary>
    /// <remarks>
    /// <para>An application has one session store, so this <em>replaces</em> any <see cref="ISessionStore"/> registered
    /// before (a later <c>Add*SessionStore</c> call wins, never a silent mix). Options are validated at start.</para>
    /// <para>The connection comes from <see cref="PostgresSessionStoreOptions.DataSource"/>, else
    /// <see cref="PostgresSessionStoreOptions.ConnectionString"/>, else an <see cref="NpgsqlDataSource"/> registered in
    /// the services (for example by <c>AddNpgsqlDataSource</c>), which the store then shares and does not dispose.</para>
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddPostgresSessionStore(this IServiceCollection services, Action<PostgresSessionStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSessionStore<PostgresSessionStore, PostgresSessionStoreOptions, PostgresSessionStoreOptionsValidator>(
                configure, static (provider, options) => new PostgresSessionStore(options, provider.GetService<ILogger<PostgresSessionStore>>()))
            .PostConfigure<IServiceProvider>(static (options, provider) =>
            {
                if (options.DataSource is null && string.IsNullOrWhiteSpace(options.ConnectionString))
                {
                    options.DataSource = provider.GetService<NpgsqlDataSource>();
                }
            });
        return services;
    }

    /// <summary>
    /// Registers a singleton <see cref="PostgresSessionStore"/> over a connection string; see
    /// <see cref="AddPostgresSessionStore(IServiceCollection, Action{PostgresSessionStoreOptions})"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <param name="configure">Configures the other options; may be <see langword="null"/>.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddPostgresSessionStore(this IServiceCollection services, string connectionString, Action<PostgresSessionStoreOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return services.AddPostgresSessionStore(options =>
        {
            options.ConnectionString = connectionString;
            configure?.Invoke(options);
        });
    }
}
