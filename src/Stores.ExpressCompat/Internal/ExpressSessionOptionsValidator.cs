using System;
using System.Collections.Generic;
using Microsoft.Extensions.Options;

namespace SessionStores.ExpressCompat.Internal;

/// <summary>Checks <see cref="ExpressSessionOptions"/> at start, one message per invalid option.</summary>
internal sealed class ExpressSessionOptionsValidator : IValidateOptions<ExpressSessionOptions>
{
    private static readonly string[] SameSiteValues = ["strict", "lax", "none"];

    public ValidateOptionsResult Validate(string? name, ExpressSessionOptions options)
    {
        var problems = new List<string>();
        if (options.Secrets.Count == 0 || options.Secrets.Contains(null!) || options.Secrets.Contains(""))
        {
            problems.Add("ExpressSessionOptions.Secrets must hold at least one secret, none empty: the Express app's 'secret' option (newest first).");
        }

        if (string.IsNullOrWhiteSpace(options.CookieName) || options.CookieName.AsSpan().IndexOfAny("=;, \t") >= 0)
        {
            problems.Add("ExpressSessionOptions.CookieName must be a cookie name (the Express app's 'name' option; default connect.sid).");
        }

        if (string.IsNullOrEmpty(options.CookiePath) || options.CookiePath[0] != '/')
        {
            problems.Add("ExpressSessionOptions.CookiePath must start with '/'.");
        }

        if (options.CookieSameSite is { } sameSite && Array.IndexOf(SameSiteValues, sameSite) < 0)
        {
            problems.Add("ExpressSessionOptions.CookieSameSite must be \"strict\", \"lax\", \"none\" or null.");
        }

        if (options.CookieMaxAge is { } maxAge && (maxAge <= TimeSpan.Zero || maxAge > SessionLimits.MaxTtl))
        {
            problems.Add($"ExpressSessionOptions.CookieMaxAge must be greater than zero and at most {SessionLimits.MaxTtl}, or null.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
