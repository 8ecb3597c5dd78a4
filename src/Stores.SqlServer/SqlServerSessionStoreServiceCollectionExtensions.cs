using System;
using Microsoft.Extensions.Logging;
using SessionStores;
using SessionStores.SqlServer;
using SessionStores.SqlServer.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="SqlServerSessionStore"/>.</summary>
public static class SqlServerSessionStoreServiceCollectionExtensions
{
    /// <summary>Registers a singleton <see cref="SqlServerSessionStore"/> as the application's <see cref="ISessionStore"/>.</summary>
    /// <remarks>
    /// An application has one session store, so this <em>replaces</em> any <see cref="ISessionStore"/> registered before
    /// (the last <c>Add*SessionStore</c> call wins, never a silent mix). Options are validated at start: set
    /// <see cref="SqlServerSessionStoreOptions.ConnectionString"/> or
    /// <see cref="SqlServerSessionStoreOptions.ConnectionFactory"/>. The container disposes the store, which stops its
    /// background pruner.
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddSqlServerSessionStore(this IServiceCollection services, Action<SqlServerSessionStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSessionStore<SqlServerSessionStore, SqlServerSessionStoreOptions, SqlServerSessionStoreOptionsValidator>(
            configure, static (provider, options) => new SqlServerSessionStore(options, provider.GetService<ILogger<SqlServerSessionStore>>()));
        return services;
    }
}
