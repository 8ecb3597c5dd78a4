using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Conformance;

/// <summary>
/// Puts a near cache (<see cref="NearCachedSessionStore"/>) in front of a store that has an invalidation feed, for running
/// the suites with the cache on: <c>CreateStoreAsync</c> of a near-cache fixture returns <see cref="WrapAsync"/> of the
/// store it would return.
/// </summary>
public static class NearCachedStores
{
    /// <summary>How long <see cref="WrapAsync"/> waits for the feed to be live.</summary>
    public static readonly TimeSpan LiveTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Wraps <paramref name="inner"/> (disposed with the cache) and waits until its feed is live, so that the
    /// tests exercise the cache and not the bypass of a feed still connecting.</summary>
    /// <param name="inner">A store that implements <see cref="ISessionInvalidationSource"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <param name="options">The cache's options; <see langword="null"/> keeps the defaults.</param>
    /// <returns>The cache.</returns>
    /// <exception cref="TimeoutException">The feed did not become live within <see cref="LiveTimeout"/>.</exception>
    public static async ValueTask<NearCachedSessionStore> WrapAsync(
        ISessionStore inner, CancellationToken cancellationToken, SessionStoreNearCacheOptions? options = null)
    {
        var feed = inner as ISessionInvalidationSource
            ?? throw new ArgumentException($"{inner.GetType().Name} has no invalidation feed.", nameof(inner));
        var cache = NearCachedSessionStore.Create(inner, feed, options, disposeInner: true);
        await WaitUntilAsync(cache, live: true, cancellationToken);
        return cache;
    }

    /// <summary>Polls until the cache's feed is (or is no longer) live.</summary>
    /// <param name="cache">The cache.</param>
    /// <param name="live">The state to wait for.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the state is reached.</returns>
    /// <exception cref="TimeoutException">Not reached within <see cref="LiveTimeout"/>.</exception>
    public static async Task WaitUntilAsync(NearCachedSessionStore cache, bool live, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var waited = Stopwatch.StartNew();
        while (cache.GetStatistics().IsFeedLive != live)
        {
            if (waited.Elapsed > LiveTimeout)
            {
                throw new TimeoutException($"The near cache's feed was not {(live ? "live" : "lost")} within {LiveTimeout.TotalSeconds:0} s.");
            }

            await Task.Delay(20, cancellationToken);
        }
    }
}
