using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SessionStores.ExpressCompat.Internal;

namespace SessionStores.ExpressCompat;

/// <summary>
/// The last step of the switch from the Express formats to the native store: a browser that comes back with only the
/// Express cookie is handed ASP.NET Core's session cookie for the session <c>sessionstores convert-express</c> made
/// of its Express session, so its user stays logged in.
/// </summary>
public static class ExpressCookieHandoverExtensions
{
    /// <summary>
    /// Before <c>UseSession()</c>: when a request carries a verified express-session cookie and no ASP.NET Core session
    /// cookie, the request continues with the session cookie of
    /// <see cref="ExpressSessionConversion.AspNetCoreSessionKey"/> of its id (so this very request reads the converted
    /// session), the response sets that cookie, and the Express cookie is cleared. A cookie that does not verify is
    /// ignored (a new session starts, as before). Keep it for the longest Express cookie lifetime, then remove it.
    /// </summary>
    /// <param name="app">The application; <c>AddSession()</c> (which brings data protection) must be registered.</param>
    /// <param name="configure">The Express app's <c>secret</c> (<see cref="ExpressSessionOptions.Secrets"/>), cookie
    /// <c>name</c>, and its cookie <c>path</c> and <c>domain</c> (to clear the cookie).</param>
    /// <returns>The application.</returns>
    /// <exception cref="ArgumentException">The options are invalid (no secret, …).</exception>
    /// <exception cref="InvalidOperationException">Data protection is not registered (call <c>AddSession()</c>).</exception>
    public static IApplicationBuilder UseExpressCookieHandover(this IApplicationBuilder app, Action<ExpressSessionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ExpressSessionOptions();
        configure(options);
        var validation = new ExpressSessionOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new ArgumentException(validation.FailureMessage, nameof(configure));
        }

        var dataProtection = app.ApplicationServices.GetService<IDataProtectionProvider>()
            ?? throw new InvalidOperationException("UseExpressCookieHandover needs ASP.NET Core data protection: call AddSession() on the services.");
        var handover = new ExpressCookieHandover(
            new ExpressCookies(options), options, app.ApplicationServices.GetRequiredService<IOptions<SessionOptions>>().Value, dataProtection);
        return app.Use(handover.InvokeAsync);
    }
}
