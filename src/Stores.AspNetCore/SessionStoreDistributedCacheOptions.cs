namespace SessionStores.AspNetCore;

/// <summary>Options of <see cref="SessionStoreDistributedCache"/>.</summary>
public sealed class SessionStoreDistributedCacheOptions
{
    /// <summary>
    /// Prepended to every cache key (after encoding) so cache entries never collide with session ids (GUIDs) in a store
    /// shared with sessions. 0 to 32 characters from <c>[A-Za-z0-9._-]</c>. Default: <c>"cache."</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = "cache.";
}
