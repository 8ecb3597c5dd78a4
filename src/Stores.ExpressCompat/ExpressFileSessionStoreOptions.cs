using System;

namespace SessionStores.ExpressCompat;

/// <summary>Options of <see cref="ExpressFileSessionStore"/>: where session-file-store keeps the Express app's sessions.</summary>
public sealed class ExpressFileSessionStoreOptions : SessionStoreOptions
{
    /// <summary>session-file-store's <c>path</c>: the directory of the session files. Required; default: empty.</summary>
    public string Path { get; set; } = "";

    /// <summary>session-file-store's <c>ttl</c>: the lifetime after the last access of a session whose cookie has no
    /// <c>originalMaxAge</c>. Default: 1 hour (session-file-store's default, 3600 seconds).</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The clock that decides expiry (there is no server). Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;
}
