using System;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using SessionStores;
using SessionStores.AspNetCore;
using SessionStores.ExpressCompat;
using SessionStores.ExpressCompat.Internal;
using StackExchange.Redis;
using AspNetSessionStore = Microsoft.AspNetCore.Session.ISessionStore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Shares <c>HttpContext.Session</c> with an Express app's express-session.</summary>
public static class ExpressSessionServiceCollectionExtensions
{
    /// <summary>
    /// Makes <c>HttpContext.Session</c> the Express app's session: the id comes from express-session's signed cookie and
    /// the content from the registered <see cref="IExpressSessionFormat"/> (for example
    /// <see cref="AddExpressRedisSessionStore"/>). <c>AddSession()</c> and <c>UseSession()</c> stay as they are; call
    /// <c>await HttpContext.Session.LoadAsync()</c> before using the session.
    /// </summary>
    /// <remarks>It <em>replaces</em> the session middleware's <c>Microsoft.AspNetCore.Session.ISessionStore</c> (an
    /// application has one kind of session), so it works before or after <c>AddSession()</c>. Options are validated at
    /// start. Store failures surface as for the store-backed session: 503 problem details, never a lost write.</remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options: at least the Express app's secret(s).</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddExpressSession(this IServiceCollection services, Action<ExpressSessionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ExpressSessionOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ExpressSessionOptions>, ExpressSessionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.RemoveAll<AspNetSessionStore>();
        services.AddSingleton<AspNetSessionStore, ExpressSessionFactory>();
        StoreBackedSessionServiceCollectionExtensions.AddSessionFailureHandling(services);
        return services;
    }

    /// <summary>
    /// Registers <see cref="ExpressRedisSessionStore"/> (connect-redis's format) as the <see cref="IExpressSessionFormat"/>
    /// and the <see cref="SessionStores.ISessionStore"/>, replacing any registered before (an application has one store).
    /// When no connection is configured, the <see cref="IConnectionMultiplexer"/> registered in the services is shared.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options: the connection, and the Express app's <c>prefix</c> and <c>ttl</c> if it
    /// changed them.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddExpressRedisSessionStore(this IServiceCollection services, Action<ExpressRedisSessionStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSessionStore<ExpressRedisSessionStore, ExpressRedisSessionStoreOptions, ExpressRedisSessionStoreOptionsValidator>(
                configure,
                static (provider, options) => new ExpressRedisSessionStore(options, provider.GetService<ILogger<ExpressRedisSessionStore>>()))
            .PostConfigure<IServiceProvider>(static (options, provider) =>
            {
                if (string.IsNullOrWhiteSpace(options.ConnectionString))
                {
                    options.ConnectionMultiplexer ??= provider.GetService<IConnectionMultiplexer>();
                }
            });
        return services.Replace(ServiceDescriptor.Singleton<IExpressSessionFormat>(static provider => provider.GetRequiredService<ExpressRedisSessionStore>()));
    }

    /// <summary>
    /// Registers <see cref="ExpressPostgresSessionStore"/> (connect-pg-simple's format) as the
    /// <see cref="IExpressSessionFormat"/> and the <see cref="SessionStores.ISessionStore"/>, replacing any registered
    /// before (an application has one store). When no connection is configured, the <see cref="NpgsqlDataSource"/>
    /// registered in the services is shared.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options: the connection, and the Express app's <c>tableName</c>,
    /// <c>schemaName</c> and <c>ttl</c> if it changed them.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddExpressPostgresSessionStore(this IServiceCollection services, Action<ExpressPostgresSessionStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSessionStore<ExpressPostgresSessionStore, ExpressPostgresSessionStoreOptions, ExpressPostgresSessionStoreOptionsValidator>(
                configure,
                static (provider, options) => new ExpressPostgresSessionStore(options, provider.GetService<ILogger<ExpressPostgresSessionStore>>()))
            .PostConfigure<IServiceProvider>(static (options, provider) =>
            {
                if (string.IsNullOrWhiteSpace(options.ConnectionString))
                {
                    options.DataSource ??= provider.GetService<NpgsqlDataSource>();
                }
            });
        return services.Replace(ServiceDescriptor.Singleton<IExpressSessionFormat>(static provider => provider.GetRequiredService<ExpressPostgresSessionStore>()));
    }

    /// <summary>
    /// Registers <see cref="ExpressFileSessionStore"/> (session-file-store's format) as the
    /// <see cref="IExpressSessionFormat"/> and the <see cref="SessionStores.ISessionStore"/>, replacing any registered
    /// before (an application has one store).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options: the Express app's <c>path</c>, and its <c>ttl</c> if it changed it.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddExpressFileSessionStore(this IServiceCollection services, Action<ExpressFileSessionStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSessionStore<ExpressFileSessionStore, ExpressFileSessionStoreOptions, ExpressFileSessionStoreOptionsValidator>(
            configure,
            static (provider, options) => new ExpressFileSessionStore(options, provider.GetService<ILogger<ExpressFileSessionStore>>()));
        return services.Replace(ServiceDescriptor.Singleton<IExpressSessionFormat>(static provider => provider.GetRequiredService<ExpressFileSessionStore>()));
    }
}
