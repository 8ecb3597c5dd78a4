namespace SessionStores;

/// <summary>A snapshot of a <see cref="NearCachedSessionStore"/>.</summary>
/// <param name="Hits">Reads served from memory so far.</param>
/// <param name="Misses">Reads sent to the store so far.</param>
/// <param name="Entries">Sessions cached now.</param>
/// <param name="Bytes">What they take, as counted against <see cref="SessionStoreNearCacheOptions.MaxBytes"/>.</param>
/// <param name="IsFeedLive">Whether the invalidation feed is live (when not, the cache is empty and bypassed).</param>
/// <param name="Announcements">Changes of single sessions the feed announced so far (this process's own included).</param>
public readonly record struct NearCacheStatistics(long Hits, long Misses, int Entries, long Bytes, bool IsFeedLive, long Announcements);
