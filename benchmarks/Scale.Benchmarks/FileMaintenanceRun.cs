using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionStores.File;

namespace SessionStores.Scale.Benchmarks;

/// <summary>
/// The file store's whole-directory work at one size: an exact count of the live sessions, and a sweep of as many
/// expired files (the work of one pruning timer tick, run as back-to-back passes until the sweep completes).
/// </summary>
internal static class FileMaintenanceRun
{
    public static async Task<string> RunAsync(FileSessionStore store, string directory, int size)
    {
        var count = Stopwatch.StartNew();
        var live = await store.CountAsync(SessionQuery.All).ConfigureAwait(false);
        count.Stop();
        if (live != size)
        {
            throw new InvalidOperationException($"Count returned {live}, expected {size}.");
        }

        // A second directory of sessions that all expire at once, on a fake clock so the fill does not race the expiry.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new FileSessionStoreOptions { Directory = directory + "-expired", FlushToDisk = false, PruneInterval = TimeSpan.FromDays(1) };
        await using var expiring = new FileSessionStore(options, clock);
        var payload = new byte[256];
        await Parallel.ForAsync(
            0, size, async (i, ct) => await expiring.SetAsync(SessionIds.For(i), new SessionWrite(payload, TimeSpan.FromMinutes(1)), ct).ConfigureAwait(false))
            .ConfigureAwait(false);
        clock.Advance(TimeSpan.FromMinutes(2));

        var sweep = Stopwatch.StartNew();
        var deleted = 0;
        var passes = 0;
        FilePruneResult pass;
        do
        {
            pass = await expiring.PruneAsync().ConfigureAwait(false);
            deleted += pass.SessionsDeleted;
            passes++;
        }
        while (!pass.SweepCompleted);
        sweep.Stop();
        System.IO.Directory.Delete(options.Directory, recursive: true);

        return FormattableString.Invariant(
            $"  count of {size:N0} live sessions: {count.Elapsed.TotalMilliseconds:F0} ms; sweep of {size:N0} expired: {sweep.Elapsed.TotalSeconds:F2} s in {passes} passes, {deleted:N0} deleted ({deleted / sweep.Elapsed.TotalSeconds:F0} files/s)");
    }
}
