using System;
using System.Collections.Generic;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace SessionStores.Cookies.Internal;

/// <summary>
/// The one validator of <see cref="CookieSessionOptions"/>, run at start-up (<c>ValidateOnStart</c>): one message per
/// invalid option, naming it. It reads <c>SessionOptions</c> too, because the cookie's name and the touch threshold are
/// judged against the session middleware's cookie and idle timeout.
/// </summary>
internal sealed class CookieSessionOptionsValidator(IOptions<SessionOptions> sessionOptions) : IValidateOptions<CookieSessionOptions>
{
    private const string Type = nameof(CookieSessionOptions);

    public ValidateOptionsResult Validate(string? name, CookieSessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Problems(options, sessionOptions.Value);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public static List<string> Problems(CookieSessionOptions options, SessionOptions session)
    {
        var problems = new List<string>();
        if (options.CookieName is { } cookieName && !IsToken(cookieName))
        {
            problems.Add($"{Type}.CookieName must be a cookie name: 1 to 128 characters from A-Z a-z 0-9 and !#$%&'*+-.^_`|~ (it is '{SessionValidation.EscapeControlCharacters(cookieName)}').");
        }

        if ((options.CookieName ?? session.Cookie.Name + ".data") == session.Cookie.Name)
        {
            problems.Add($"{Type}.CookieName must differ from SessionOptions.Cookie.Name: the session middleware reads its own cookie on every request.");
        }

        if (string.IsNullOrWhiteSpace(options.Purpose))
        {
            problems.Add($"{Type}.Purpose must not be empty.");
        }

        if (options.AbsoluteTimeout is { } absolute && (absolute <= TimeSpan.Zero || absolute > SessionLimits.MaxTtl))
        {
            problems.Add($"{Type}.AbsoluteTimeout must be positive and at most 400 days, or null (it is {absolute}).");
        }

        if (session.IdleTimeout <= TimeSpan.Zero || session.IdleTimeout > SessionLimits.MaxTtl)
        {
            problems.Add($"SessionOptions.IdleTimeout must be positive and at most 400 days (it is {session.IdleTimeout}).");
        }

        if (options.TouchThreshold is { } touch && (touch < TimeSpan.Zero || touch >= session.IdleTimeout))
        {
            problems.Add($"{Type}.TouchThreshold must be at least zero and shorter than SessionOptions.IdleTimeout ({session.IdleTimeout}), or the idle expiry would never move (it is {touch}).");
        }

        if (options.ChunkSize < 1024)
        {
            problems.Add($"{Type}.ChunkSize must be at least 1024 (it is {options.ChunkSize}): a chunk carries the cookie's name and attributes too.");
        }

        if (options.MaxCookieSize < 1024 || options.MaxCookieSize > 64 * 1024)
        {
            problems.Add($"{Type}.MaxCookieSize must be between 1024 and 65536 (it is {options.MaxCookieSize}).");
        }

        if (options.RevocationStore is not null && options.AbsoluteTimeout is null)
        {
            problems.Add($"{Type}.RevocationStore needs {Type}.AbsoluteTimeout: a revocation is kept for that long, after which every cookie issued before it has expired.");
        }

        return problems;
    }

    private static bool IsToken(string name)
    {
        if (name.Length is 0 or > 128)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }
}
