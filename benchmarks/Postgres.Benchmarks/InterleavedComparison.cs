using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using SessionStores.Benchmarks;

namespace SessionStores.Postgres.Benchmarks;

/// <summary>
/// Store vs raw Npgsql, alternating in short rounds within one process (ABBA order), so the drift of a busy shared
/// machine hits both sides alike. Reports the throughput ratio of the summed round times.
/// </summary>
public static class InterleavedComparison
{
    public static async Task RunAsync(string[] args)
    {
        var rounds = BenchmarkArgs.IntArg(args, "--rounds", 40);
        Console.WriteLine($"Interleaved store vs raw Npgsql: {rounds} ABBA rounds, {StoreVsRawBenchmarks.Workers} workers x {StoreVsRawBenchmarks.OpsPerWorker} ops per call");
        Console.WriteLine("| AutoPrepare | operation | store ops/s | raw ops/s | store/raw throughput |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var prepare in new[] { false, true })
        {
            var bench = new StoreVsRawBenchmarks { AutoPrepare = prepare };
            await bench.SetupAsync();
            try
            {
                await CompareAsync(prepare, "Get", bench.Store_Get, bench.Raw_Get, rounds);
                await CompareAsync(prepare, "GetAndTouch", bench.Store_GetAndTouch, bench.Raw_GetAndTouch, rounds);
                await CompareAsync(prepare, "Set", bench.Store_Set, bench.Raw_Set, rounds);
            }
            finally
            {
                await bench.CleanupAsync();
            }
        }
    }

    private static async Task CompareAsync(bool prepare, string name, Func<Task> store, Func<Task> raw, int rounds)
    {
        for (var i = 0; i < 5; i++)
        {
            await store();
            await raw();
        }

        // ABBA: neither side always runs first.
        var seconds = await AlternatingRounds.RunAsync([store, raw], rounds, TimeAsync);
        var (storeSeconds, rawSeconds) = (seconds[0].Sum(), seconds[1].Sum());

        const int OpsPerCall = StoreVsRawBenchmarks.Workers * StoreVsRawBenchmarks.OpsPerWorker;
        var storeRate = rounds * OpsPerCall / storeSeconds;
        var rawRate = rounds * OpsPerCall / rawSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {prepare} | {name} | {storeRate:F0} | {rawRate:F0} | {storeRate / rawRate:P0} |"));
    }

    private static async Task<double> TimeAsync(Func<Task> call)
    {
        var started = Stopwatch.GetTimestamp();
        await call();
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
