using System;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;

namespace SessionStores.ExpressCompat.Internal;

/// <summary>The middleware of <see cref="ExpressCookieHandoverExtensions.UseExpressCookieHandover"/>.</summary>
internal sealed class ExpressCookieHandover(ExpressCookies expressCookies, ExpressSessionOptions expressOptions, SessionOptions sessionOptions, IDataProtectionProvider dataProtection)
{
    // The session middleware's own purpose and encoding (base64 without padding), so it unprotects what is written here.
    private readonly IDataProtector _protector = dataProtection.CreateProtector("SessionMiddleware");

    public Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var name = sessionOptions.Cookie.Name!;
        if (!context.Request.Cookies.ContainsKey(name) && expressCookies.Read(context, out _) is { } id)
        {
            var key = ExpressSessionConversion.AspNetCoreSessionKey(id);
            var value = Convert.ToBase64String(_protector.Protect(Encoding.UTF8.GetBytes(key))).TrimEnd('=');

            // This request already reads the converted session; later ones send the cookie set below.
            context.Request.Headers.Append("Cookie", $"{name}={value}");
            context.Response.Cookies.Append(name, value, sessionOptions.Cookie.Build(context));
            context.Response.Cookies.Delete(expressOptions.CookieName, new CookieOptions { Path = expressOptions.CookiePath, Domain = expressOptions.CookieDomain });
        }

        return next();
    }
}
