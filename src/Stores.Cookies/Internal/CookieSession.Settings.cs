using System;
using Microsoft.Extensions.Logging;
using SessionStores.AspNetCore;

namespace SessionStores.Cookies.Internal;

internal sealed partial class CookieSession
{
    /// <summary>What every cookie session of one application shares.</summary>
    /// <param name="Cookies">The cookies on the wire.</param>
    /// <param name="AbsoluteTimeout">The lifetime from creation, or <see langword="null"/>.</param>
    /// <param name="TouchThreshold">How old the last write must be before a read-only request rewrites the cookie.</param>
    /// <param name="Revocation">The per-subject generations (maybe disabled).</param>
    /// <param name="Integration">The integration's options: what status a failure gets (the commit-failure path is shared).</param>
    /// <param name="Time">The clock of every timeout.</param>
    /// <param name="Logger">The log.</param>
    internal sealed record Settings(
        SessionCookies Cookies,
        TimeSpan? AbsoluteTimeout,
        TimeSpan TouchThreshold,
        CookieSessionRevocation Revocation,
        StoreBackedSessionOptions Integration,
        TimeProvider Time,
        ILogger Logger);
}
