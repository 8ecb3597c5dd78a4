using System;
using System.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SessionStores;
using SessionStores.AspNetCore;
using SessionStores.AspNetCore.Internal;
using AspNetSessionStore = Microsoft.AspNetCore.Session.ISessionStore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Plugs the registered <see cref="ISessionStore"/> into ASP.NET Core's session middleware and <see cref="IDistributedCache"/>.</summary>
public static class StoreBackedSessionServiceCollectionExtensions
{
    private const string MissingStore =
        "AddStoreBackedSession keeps sessions in the application's ISessionStore, and none is registered. Register one before the "
        + "app is built: AddFileSessionStore, AddRedisSessionStore, AddPostgresSessionStore, AddMySqlSessionStore, AddMemcachedSessionStore, AddMongoSessionStore, "
        + "AddSqlServerSessionStore or AddMemorySessionStore (each from its SessionStores package), or your own ISessionStore.";

    /// <summary>
    /// Makes <c>HttpContext.Session</c> live in the application's <see cref="ISessionStore"/> (registered by an
    /// <c>Add*SessionStore</c> call): <c>AddSession()</c> and <c>UseSession()</c> stay as they are. Also registers
    /// <see cref="SessionAdmin"/>.
    /// </summary>
    /// <remarks>
    /// It <em>replaces</em> the session middleware's <c>Microsoft.AspNetCore.Session.ISessionStore</c>, so the order of
    /// calls does not matter: called before <c>AddSession()</c>, whose <c>TryAdd</c> then keeps ours; called after, it
    /// removes the built-in <c>DistributedSessionStore</c> (no <see cref="IDistributedCache"/> is needed any more). It adds
    /// one outermost middleware through an <see cref="IStartupFilter"/> that makes store failures visible (a status
    /// code, or an aborted response) even though the session middleware itself only logs commit failures.
    /// Options are validated at start.
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options; may be <see langword="null"/>.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddStoreBackedSession(this IServiceCollection services, Action<StoreBackedSessionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<StoreBackedSessionOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options
            .Validate(o => o.AbsoluteTimeout is null || (o.AbsoluteTimeout > TimeSpan.Zero && o.AbsoluteTimeout <= SessionLimits.MaxTtl), "StoreBackedSessionOptions.AbsoluteTimeout must be positive and at most 400 days, or null.")
            .Validate(o => o.TouchThreshold is null || o.TouchThreshold > TimeSpan.Zero, "StoreBackedSessionOptions.TouchThreshold must be positive or null.")
            .Validate(o => Enum.IsDefined(o.Concurrency), "StoreBackedSessionOptions.Concurrency is not a defined value.")
            .Validate(o => o.WaitTimeout > TimeSpan.Zero && o.WaitTimeout <= SessionLimits.MaxOperationTimeout, "StoreBackedSessionOptions.WaitTimeout must be positive and at most 10 minutes.")
            .Validate(o => o.CommitTimeout > TimeSpan.Zero && o.CommitTimeout <= SessionLimits.MaxOperationTimeout, "StoreBackedSessionOptions.CommitTimeout must be positive and at most 10 minutes.")
            .Validate(o => o.MaxWaitingRequestsPerSession >= 0, "StoreBackedSessionOptions.MaxWaitingRequestsPerSession must not be negative.")
            .Validate(o => o.LeaseDuration >= TimeSpan.FromMilliseconds(100) && o.LeaseDuration <= SessionLimits.MaxLeaseDuration, "StoreBackedSessionOptions.LeaseDuration must be between 100 ms and 10 minutes.")
            // Through the provider, not Validate<ISessionStore>: a missing store must fail with this message, not with
            // the container's "unable to resolve" before any check runs.
            .Validate<IServiceProvider>(static (_, provider) => provider.GetService<ISessionStore>() is not null, MissingStore)
            .Validate<IServiceProvider>(
                static (o, provider) => o.Concurrency != SessionConcurrency.Exclusive || provider.GetService<ISessionStore>() is null or ISessionLeaseStore,
                "StoreBackedSessionOptions.Concurrency is Exclusive, but the registered ISessionStore cannot hold leases (it does not implement ISessionLeaseStore); use Serialized, or a store with leases (Redis, PostgreSQL, File, Memory).")
            .Validate(o => Enum.IsDefined(o.ConflictPolicy), "StoreBackedSessionOptions.ConflictPolicy is not a defined value.")
            .Validate(o => Enum.IsDefined(o.FailureMode), "StoreBackedSessionOptions.FailureMode is not a defined value.")
            .Validate(o => o.UnavailableStatusCode is >= 400 and <= 599, "StoreBackedSessionOptions.UnavailableStatusCode must be an error status (400-599).")
            .Validate<IOptions<SessionOptions>>(
                static (_, session) => session.Value.IdleTimeout > TimeSpan.Zero && session.Value.IdleTimeout <= SessionLimits.MaxTtl,
                "SessionOptions.IdleTimeout must be positive and at most 400 days (the longest TTL a session store accepts).")
            .Validate<IOptions<SessionOptions>>(
                static (o, session) => o.TouchThreshold is null || o.TouchThreshold < session.Value.IdleTimeout,
                "StoreBackedSessionOptions.TouchThreshold must be shorter than SessionOptions.IdleTimeout, or the idle expiry would never slide.")
            .ValidateOnStart();

        services.RemoveAll<AspNetSessionStore>();
        services.AddSingleton<AspNetSessionStore, StoreBackedSessionStore>();
        services.TryAddSingleton<SessionAdmin>();
        return AddSessionFailureHandling(services);
    }

    /// <summary>
    /// What every session backend of this integration needs around the session middleware (the store-backed one here,
    /// the cookie sessions of SessionStores.Cookies): the outermost middleware that turns commit failures into problem
    /// responses, and the exception handler that keeps them 409/503 in every environment.
    /// </summary>
    internal static IServiceCollection AddSessionFailureHandling(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, SessionRequestScopeMiddleware.StartupFilter>());
        services.TryAddSingleton<SessionFailureHandler>();
        if (!services.Any(d => d.ServiceType == typeof(IExceptionHandler) && d.ImplementationFactory?.Method.ReturnType == typeof(SessionFailureHandler)))
        {
            // First among the exception handlers: they run in registration order, and an application's catch-all
            // handler registered earlier would otherwise answer a session failure with 500.
            services.Insert(0, ServiceDescriptor.Singleton<IExceptionHandler, SessionFailureHandler>(static sp => sp.GetRequiredService<SessionFailureHandler>()));
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDeveloperPageExceptionFilter, SessionFailureHandler>(static sp => sp.GetRequiredService<SessionFailureHandler>()));
        return services;
    }

    /// <summary>
    /// Registers the application's <see cref="ISessionStore"/> as its <see cref="IDistributedCache"/>
    /// (<see cref="SessionStoreDistributedCache"/>; read its remarks for what expirations map to).
    /// </summary>
    /// <remarks>It <em>replaces</em> any <see cref="IDistributedCache"/> registered before: an application has one.</remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options; may be <see langword="null"/>.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddSessionStoreDistributedCache(this IServiceCollection services, Action<SessionStoreDistributedCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<SessionStoreDistributedCacheOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o => SessionStoreDistributedCache.IsValidKeyPrefix(o.KeyPrefix), SessionStoreDistributedCache.KeyPrefixRule).ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.Replace(ServiceDescriptor.Singleton<IDistributedCache>(sp => new SessionStoreDistributedCache(
            sp.GetRequiredService<ISessionStore>(),
            sp.GetRequiredService<IOptions<SessionStoreDistributedCacheOptions>>(),
            sp.GetService<TimeProvider>())));
        return services;
    }
}
