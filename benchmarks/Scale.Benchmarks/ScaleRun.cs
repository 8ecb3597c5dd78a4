using System;
using System.Diagnostics;
using System.Runtime;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Scale.Benchmarks;

/// <summary>
/// Fills a store with <c>size</c> sessions, then for a fixed time lets each worker pick a session at random and run a
/// request's read-modify-write on it (<see cref="ISessionStore.GetAndTouchAsync"/>, then a compare-and-set
/// <see cref="ISessionStore.SetAsync"/>), timing each pair. Random picks over the whole set are the worst case for
/// caches, as real traffic over many sessions is.
/// </summary>
internal static class ScaleRun
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(30);

    public static async Task<ScaleResult> RunAsync(ISessionStore store, int size, ScaleSettings settings)
    {
        var payload = new byte[settings.DataBytes];
        Random.Shared.NextBytes(payload);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var fill = Stopwatch.StartNew();
        await Parallel.ForAsync(0, size, async (i, ct) => await store.SetAsync(SessionIds.For(i), new SessionWrite(payload, Ttl), ct).ConfigureAwait(false)).ConfigureAwait(false);
        fill.Stop();
        var bytesPerSession = (GC.GetTotalMemory(forceFullCollection: true) - before) / (double)size;

        // Warm up (JIT, tiering, caches) before the timed window.
        var (warmup, _) = await RunWorkersAsync(store, size, payload, settings.Workers, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        GC.Collect();
        var gen0 = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);
        var pause = GC.GetTotalPauseDuration();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var window = TimeSpan.FromSeconds(settings.Seconds);
        var (histogram, conflicts) = await RunWorkersAsync(store, size, payload, settings.Workers, window).ConfigureAwait(false);
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;

        // For tracing tools that count over the whole process (strace -c): how many pairs ran in all.
        Console.Error.WriteLine(FormattableString.Invariant($"pairs run in all (warm-up included): {warmup.Count + histogram.Count}"));
        return new ScaleResult(
            size, fill.Elapsed, bytesPerSession, histogram.Count / window.TotalSeconds, cpu.TotalMicroseconds / histogram.Count,
            histogram.Quantile(0.5), histogram.Quantile(0.99), histogram.Quantile(0.999), conflicts,
            GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2, GC.GetTotalPauseDuration() - pause);
    }

    private static async Task<(LatencyHistogram Histogram, long Conflicts)> RunWorkersAsync(
        ISessionStore store, int size, byte[] payload, int workers, TimeSpan duration)
    {
        using var stop = new CancellationTokenSource(duration);
        var histograms = new LatencyHistogram[workers];
        var conflicts = 0L;
        var tasks = new Task[workers];
        for (var w = 0; w < workers; w++)
        {
            var histogram = histograms[w] = new LatencyHistogram();
            tasks[w] = Task.Run(async () =>
            {
                var random = new Random();
                while (!stop.IsCancellationRequested)
                {
                    var id = SessionIds.For(random.Next(size));
                    var started = Stopwatch.GetTimestamp();
                    var record = await store.GetAndTouchAsync(id, Ttl).ConfigureAwait(false)
                        ?? throw new InvalidOperationException($"Session {id} is missing.");
                    var result = await store.SetAsync(id, new SessionWrite(payload, Ttl, expectedVersion: record.Version)).ConfigureAwait(false);
                    histogram.Record(started);
                    if (!result.Succeeded)
                    {
                        Interlocked.Increment(ref conflicts);
                    }
                }
            });
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        var all = new LatencyHistogram();
        foreach (var h in histograms)
        {
            all.Add(h);
        }

        return (all, conflicts);
    }
}

/// <summary>One size's figures, printed as a Markdown table row.</summary>
internal sealed record ScaleResult(
    int Size, TimeSpan Fill, double BytesPerSession, double PairsPerSecond, double CpuMicrosPerPair, double P50, double P99, double P999,
    long Conflicts, int Gen0, int Gen1, int Gen2, TimeSpan GcPause)
{
    public const string Header =
        "| sessions | fill s | managed B/session | RMW pairs/s | CPU µs/pair | p50 µs | p99 µs | p999 µs | conflicts | GC 0/1/2 | GC pause ms |\n" +
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|";

    public override string ToString() =>
        FormattableString.Invariant(
            $"| {Size:N0} | {Fill.TotalSeconds:F1} | {BytesPerSession:F0} | {PairsPerSecond:F0} | {CpuMicrosPerPair:F1} | {P50:F0} | {P99:F0} | {P999:F0} | {Conflicts} | {Gen0}/{Gen1}/{Gen2} | {GcPause.TotalMilliseconds:F0} |");
}
