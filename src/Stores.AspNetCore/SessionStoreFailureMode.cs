namespace SessionStores.AspNetCore;

/// <summary>What a request does when the session store cannot be reached while its session loads.</summary>
public enum SessionStoreFailureMode
{
    /// <summary><c>LoadAsync</c> throws the store's <see cref="SessionStoreException"/>; when nothing handles it and the
    /// response has not started, the request ends with <see cref="StoreBackedSessionOptions.UnavailableStatusCode"/>.</summary>
    Throw = 0,

    /// <summary>
    /// Degraded, read-only mode: the failure is logged as a warning and the request goes on with an empty session whose
    /// <c>IsAvailable</c> is <see langword="false"/>. Reads find nothing; every write (<c>Set</c>, <c>Remove</c>,
    /// <c>Clear</c>, subject changes) throws <see cref="System.InvalidOperationException"/>, so no write is ever dropped
    /// silently. Commit failures still throw.
    /// </summary>
    ReadOnlyWhenUnavailable = 1,
}
