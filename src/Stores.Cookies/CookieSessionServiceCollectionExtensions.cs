using System;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionStores.AspNetCore;
using SessionStores.AspNetCore.Internal;
using SessionStores.Cookies;
using SessionStores.Cookies.Internal;
using AspNetSessionStore = Microsoft.AspNetCore.Session.ISessionStore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts <c>HttpContext.Session</c> into the browser's cookies.</summary>
public static class CookieSessionServiceCollectionExtensions
{
    /// <summary>
    /// Makes <c>HttpContext.Session</c> a cookie session: the whole session (values, subject, times) travels in the
    /// request's cookie, encrypted and authenticated with ASP.NET Core Data Protection, and no server keeps anything.
    /// <c>AddSession()</c> and <c>UseSession()</c> stay as they are. Also registers <see cref="CookieSessionRevocation"/>.
    /// </summary>
    /// <remarks>
    /// It <em>replaces</em> the session middleware's <c>Microsoft.AspNetCore.Session.ISessionStore</c>, so it works called
    /// before or after <c>AddSession()</c>, and it replaces <c>AddStoreBackedSession</c> when called after it (an
    /// application has one kind of session). Options are validated at start. Data Protection is registered if it was not;
    /// an application with several instances must share its key ring (<c>PersistKeysTo…</c>), as for any protected cookie.
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options; may be <see langword="null"/>.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddCookieSession(this IServiceCollection services, Action<CookieSessionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<CookieSessionOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CookieSessionOptions>, CookieSessionOptionsValidator>());
        services.AddDataProtection();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new CookieSessionRevocation(
            sp.GetRequiredService<IOptions<CookieSessionOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.RemoveAll<AspNetSessionStore>();
        services.AddSingleton<AspNetSessionStore, CookieSessionFactory>();
        StoreBackedSessionServiceCollectionExtensions.AddSessionFailureHandling(services);
        return services;
    }
}
