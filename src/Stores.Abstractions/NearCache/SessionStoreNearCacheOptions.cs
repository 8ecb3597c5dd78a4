using System;

namespace SessionStores;

/// <summary>Options of <see cref="NearCachedSessionStore"/>.</summary>
public sealed class SessionStoreNearCacheOptions
{
    /// <summary>The most memory the cached sessions may take, in bytes (data, id and bookkeeping); the least recently used
    /// go first. A session larger than an eighth of it is never cached. Default 64 MiB.</summary>
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How long a cached session may be served before it is read from the store again, whatever the feed said:
    /// bounds the harm of an announcement the feed lost without noticing (publish/subscribe is at most once). Greater
    /// than zero, at most one hour. Default 30 seconds.</summary>
    public TimeSpan MaxEntryAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When a sliding-expiry read (<see cref="ISessionStore.GetAndTouchAsync"/>) is served from memory, the store's copy is
    /// touched only once less than this fraction of the requested TTL remains on its expiry, in the background (a session
    /// left idle after such a read therefore expires between <c>ratio × TTL</c> and TTL later, never sooner). Below
    /// half of that fraction the read goes to the store. Greater than 0, at most 1. Default 0.5.
    /// </summary>
    public double TouchThresholdRatio { get; set; } = 0.5;

    /// <summary>Every problem of these options, one message each naming the option; none when they are valid.</summary>
    /// <returns>The messages.</returns>
    internal System.Collections.Generic.List<string> Problems()
    {
        var problems = new System.Collections.Generic.List<string>();
        if (MaxBytes < 4096)
        {
            problems.Add($"SessionStoreNearCacheOptions.MaxBytes must be at least 4096 (it is {MaxBytes}).");
        }

        if (MaxEntryAge <= TimeSpan.Zero || MaxEntryAge > TimeSpan.FromHours(1))
        {
            problems.Add($"SessionStoreNearCacheOptions.MaxEntryAge must be greater than zero and at most one hour (it is {MaxEntryAge}).");
        }

        if (!(TouchThresholdRatio > 0 && TouchThresholdRatio <= 1))
        {
            problems.Add($"SessionStoreNearCacheOptions.TouchThresholdRatio must be greater than 0 and at most 1 (it is {TouchThresholdRatio}).");
        }

        return problems;
    }
}
