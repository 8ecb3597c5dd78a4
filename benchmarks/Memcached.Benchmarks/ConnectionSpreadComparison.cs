using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Benchmarks;
using SessionStores.TestServers;

namespace SessionStores.Memcached.Benchmarks;

/// <summary>
/// <c>--connection-spread</c>: what it costs that each session always uses the same pooled connection (picked by its
/// key's hash). The worst case of that choice is every busy session hashed to one connection while the others idle,
/// and that is exactly a pool of one: so this runs the same load (<c>--workers</c> tasks, each a read-modify-write of
/// 512-byte sessions after another over its own slice of 1,000 sessions, for <c>--seconds</c>) with
/// <c>ConnectionsPerServer</c> 1, 2 (the default) and 4, alternated within each of <c>--rounds</c> rounds, and prints
/// throughput, latency percentiles and this process's CPU per read-modify-write per pool size (median of the rounds).
/// </summary>
internal static class ConnectionSpreadComparison
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(30);
    private static readonly int[] PoolSizes = [1, 2, 4];

    public static async Task RunAsync(string[] args)
    {
        var workers = BenchmarkArgs.IntArg(args, "--workers", 32);
        var seconds = BenchmarkArgs.IntArg(args, "--seconds", 5);
        var rounds = BenchmarkArgs.IntArg(args, "--rounds", 3);
        var servers = Environment.GetEnvironmentVariable(MemcachedTestServer.EnvironmentVariable)!;
        var payload = new byte[512];
        new Random(42).NextBytes(payload);
        var ids = Enumerable.Range(0, 1_000).Select(i => $"spread-{i:D4}-{Guid.NewGuid():N}").ToArray();

        var stores = new Dictionary<int, MemcachedSessionStore>();
        foreach (var size in PoolSizes)
        {
            stores[size] = new MemcachedSessionStore(new MemcachedSessionStoreOptions { ConnectionString = servers, KeyPrefix = "spread", ConnectionsPerServer = size });
        }

        try
        {
            foreach (var id in ids)
            {
                await stores[1].SetAsync(id, new SessionWrite(payload, Ttl));
            }

            foreach (var size in PoolSizes)
            {
                await MeasureAsync(stores[size], ids, workers, TimeSpan.FromSeconds(2), payload); // warm-up: JIT, connections
            }

            var results = await AlternatingRounds.RunAsync(PoolSizes, rounds, size => MeasureAsync(stores[size], ids, workers, TimeSpan.FromSeconds(seconds), payload));

            Console.WriteLine($"Read-modify-write (Get, then Set at the version read), {workers} workers, 1,000 sessions of 512 bytes, {seconds} s per pool size and round, {rounds} rounds (median shown), {Environment.ProcessorCount} cores");
            Console.WriteLine("| ConnectionsPerServer | RMW/s | p50 ms | p99 ms | client CPU µs/RMW | conflicts | rounds (RMW/s) |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---|");
            for (var p = 0; p < PoolSizes.Length; p++)
            {
                var (size, all) = (PoolSizes[p], results[p]);
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {size} | {Percentiles.Median(all.Select(m => m.PerSecond)):N0} | {Percentiles.Median(all.Select(m => m.P50Ms)):F2} | " +
                    $"{Percentiles.Median(all.Select(m => m.P99Ms)):F2} | {Percentiles.Median(all.Select(m => m.CpuUs)):F1} | {all.Sum(m => m.Conflicts)} | {string.Join(" / ", all.Select(m => m.PerSecond.ToString("N0", CultureInfo.InvariantCulture)))} |"));
            }
        }
        finally
        {
            foreach (var store in stores.Values)
            {
                await store.DisposeAsync();
            }
        }
    }

    private static async Task<Measurement> MeasureAsync(MemcachedSessionStore store, string[] ids, int workers, TimeSpan duration, byte[] payload)
    {
        var latencies = Enumerable.Range(0, workers).Select(_ => new List<double>(100_000)).ToArray();
        var conflicts = 0;
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await SliceWorkers.RunForAsync(ids, workers, duration, async (worker, id) =>
        {
            var started = Stopwatch.GetTimestamp();
            var record = await store.GetAsync(id);
            var result = await store.SetAsync(id, new SessionWrite(payload, Ttl, expectedVersion: record?.Version ?? 0));
            if (!result.Succeeded)
            {
                Interlocked.Increment(ref conflicts);
            }

            latencies[worker].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        });
        var elapsed = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var sorted = latencies.SelectMany(l => l).Order().ToArray();
        return new Measurement(sorted.Length / elapsed, Percentiles.Of(sorted, 0.5), Percentiles.Of(sorted, 0.99), cpu.TotalMicroseconds / sorted.Length, conflicts);
    }

    private sealed record Measurement(double PerSecond, double P50Ms, double P99Ms, double CpuUs, int Conflicts);
}
