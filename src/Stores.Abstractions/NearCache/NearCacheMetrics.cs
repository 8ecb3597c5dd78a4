using System.Collections.Generic;
using System.Diagnostics.Metrics;

namespace SessionStores;

/// <summary>The near cache's instruments, on <see cref="SessionStoreDiagnostics.MeterName"/>.</summary>
internal static class NearCacheMetrics
{
    private static readonly Counter<long> Hits = SessionStoreDiagnostics.Meter.CreateCounter<long>(
        "sessionstores.near_cache.hits", description: "Reads served from the near cache.");

    private static readonly Counter<long> Misses = SessionStoreDiagnostics.Meter.CreateCounter<long>(
        "sessionstores.near_cache.misses", description: "Reads the near cache sent to the store (bypassed: the feed was lost).");

    private static readonly Counter<long> FeedLosses = SessionStoreDiagnostics.Meter.CreateCounter<long>(
        "sessionstores.near_cache.feed_losses", description: "Times the invalidation feed was lost or could not be subscribed.");

    private static readonly Counter<long> TouchFailures = SessionStoreDiagnostics.Meter.CreateCounter<long>(
        "sessionstores.near_cache.touch_failures", description: "Background touches that failed.");

    public static void Hit(string operation)
    {
        if (Hits.Enabled)
        {
            Hits.Add(1, new KeyValuePair<string, object?>("db.operation.name", operation));
        }
    }

    public static void Miss(string operation, bool live)
    {
        if (Misses.Enabled)
        {
            Misses.Add(1, new KeyValuePair<string, object?>("db.operation.name", operation), new KeyValuePair<string, object?>("bypassed", !live));
        }
    }

    public static void FeedLost() => FeedLosses.Add(1);

    public static void TouchFailed() => TouchFailures.Add(1);
}
