using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.Benchmarks;
using SessionStores.TestServers;

namespace SessionStores.Postgres.Benchmarks;

/// <summary>
/// Get latency while 200k expired rows are pruned, against the same Get loop without pruning; and, for contrast, while
/// one unbatched DELETE removes them.
/// </summary>
public static class PruningExperiment
{
    private const int LiveSessions = 10_000;
    private const int ExpiredRows = 200_000;
    private const int GetWorkers = 4;
    private const string Table = "\"bench_prune\".\"sessions\"";

    public static async Task RunAsync(string[] args)
    {
        // Without these the store's defaults apply.
        var defaults = new PostgresSessionStoreOptions();
        var batchSize = BenchmarkArgs.IntArg(args, "--batch-size", defaults.PruneBatchSize);
        var delayMs = BenchmarkArgs.IntArg(args, "--batch-delay-ms", (int)defaults.PruneBatchDelay.TotalMilliseconds);
        var rounds = BenchmarkArgs.IntArg(args, "--rounds", 3);

        // 0: each worker loops as fast as it can (closed loop: the 2-core machine is saturated before pruning starts).
        // N: the workers together send N Gets per second (open loop, paced), leaving the server headroom as live
        // traffic normally does.
        var getRate = BenchmarkArgs.IntArg(args, "--get-rate", 0);

        // How long the no-pruning baseline measures; a longer window catches more rare stalls, so compare like with like.
        var baselineSeconds = BenchmarkArgs.IntArg(args, "--baseline-seconds", 5);

        // How many distinct expiry times the expired rows share: 0 (the default) gives every row its own millisecond, as
        // sessions written by separate requests have; 60 (one per minute of the last hour, about 3,333 rows on each, the
        // shape of the runs before 2026-11-27 04:00) models sessions written in bulk in one transaction.
        var expiryValues = BenchmarkArgs.IntArg(args, "--expiry-values", 0);
        var connectionString = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable(PostgresTestServer.EnvironmentVariable)) { MaxPoolSize = 32 }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await ExecuteAsync(dataSource, "DROP SCHEMA IF EXISTS \"bench_prune\" CASCADE");
        await using var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = dataSource,
            SchemaName = "bench_prune",
            TableName = "sessions",
            EnablePruning = false,
            PruneBatchSize = batchSize,
            PruneBatchDelay = TimeSpan.FromMilliseconds(delayMs),
        });
        await store.EnsureSchemaAsync();
        var payload = new byte[512];
        Random.Shared.NextBytes(payload);
        var ids = Enumerable.Range(0, LiveSessions).Select(i => $"live-{i:D6}").ToArray();
        foreach (var chunk in ids.Chunk(500))
        {
            await Task.WhenAll(chunk.Select(id => store.SetAsync(id, new SessionWrite(payload, TimeSpan.FromHours(1)))));
        }

        Console.WriteLine($"Pruning experiment: {LiveSessions} live sessions, {ExpiredRows} expired rows, {GetWorkers} Get workers, " +
            (getRate > 0 ? $"{getRate} Gets/s in total (paced)" : "closed loop (as fast as possible)") + $", batch size {batchSize}, batch delay {delayMs} ms (at least the batch's own duration), " +
            (expiryValues > 0 ? $"{expiryValues} distinct expiry times" : "every expiry time distinct"));
        Console.WriteLine("| round | phase | Gets | Get p50 (ms) | Get p99 (ms) | Get max (ms) | phase duration (s) | rows deleted | statements |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        for (var round = 1; round <= rounds; round++)
        {
            await FillExpiredAsync(dataSource, payload, expiryValues);

            // Baseline: the expired rows are there, nobody deletes them.
            var baseline = await MeasureGetsAsync(store, ids, getRate, () => Task.Delay(TimeSpan.FromSeconds(baselineSeconds)));
            Print(round, "no pruning (baseline)", baseline, TimeSpan.FromSeconds(baselineSeconds), 0, 0);

            // The store's pruner: bounded batches, SKIP LOCKED.
            PostgresPruneResult result = default;
            var pruneTime = Stopwatch.StartNew();
            var during = await MeasureGetsAsync(store, ids, getRate, async () => result = await store.PruneAsync());
            Print(round, $"store pruning (batches of {batchSize})", during, pruneTime.Elapsed, result.Deleted, result.Batches);

            // Contrast: one unbatched DELETE of everything expired.
            await FillExpiredAsync(dataSource, payload, expiryValues);
            var deleted = 0;
            var deleteTime = Stopwatch.StartNew();
            var unbatched = await MeasureGetsAsync(store, ids, getRate, async () =>
            {
                await using var command = dataSource.CreateCommand($"DELETE FROM {Table} WHERE expires_at <= now()");
                command.CommandTimeout = 600;
                deleted = await command.ExecuteNonQueryAsync();
            });
            Print(round, "one unbatched DELETE (contrast)", unbatched, deleteTime.Elapsed, deleted, 1);
        }
    }

    private static async Task FillExpiredAsync(NpgsqlDataSource dataSource, byte[] payload, int expiryValues)
    {
        await using var fill = dataSource.CreateCommand(
            $"INSERT INTO {Table} (id, data, expires_at, version, subject, created_at) " +
            "SELECT 'expired-' || g || '-' || md5(random()::text), $1, " +
            "CASE WHEN $3 > 0 THEN now() - interval '1 minute' * (1 + g % $3) ELSE now() - interval '1 minute' - interval '1 millisecond' * g END, " +
            "1, 'user' || (g % 1000), now() - interval '2 hours' " +
            "FROM generate_series(1, $2) g");
        fill.CommandTimeout = 600;
        fill.Parameters.Add(new NpgsqlParameter { Value = payload });
        fill.Parameters.Add(new NpgsqlParameter { Value = ExpiredRows });
        fill.Parameters.Add(new NpgsqlParameter { Value = expiryValues });
        await fill.ExecuteNonQueryAsync();
        await ExecuteAsync(dataSource, $"VACUUM ANALYZE {Table}");
    }

    // Runs GetWorkers loops of GetAsync on live ids until phase completes; returns every latency in milliseconds.
    // With a rate, each worker sends on a fixed schedule (rate / GetWorkers per second); a Get that starts late because
    // the previous one was slow is timed from its scheduled start, so a stall is not hidden by the pacing.
    private static async Task<double[]> MeasureGetsAsync(PostgresSessionStore store, string[] ids, int rate, Func<Task> phase)
    {
        using var stop = new CancellationTokenSource();
        var interval = rate > 0 ? TimeSpan.FromSeconds((double)GetWorkers / rate) : TimeSpan.Zero;
        var workers = Enumerable.Range(0, GetWorkers).Select(worker => Task.Run(async () =>
        {
            var latencies = new List<double>(100_000);
            var origin = Stopwatch.GetTimestamp() + (long)(interval.TotalSeconds * Stopwatch.Frequency * worker / GetWorkers);
            for (long n = 0; !stop.IsCancellationRequested; n++)
            {
                var id = ids[Random.Shared.Next(ids.Length)];
                long from;
                if (rate > 0)
                {
                    var scheduled = origin + (long)(n * interval.TotalSeconds * Stopwatch.Frequency);
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), scheduled);
                    if (wait > TimeSpan.Zero)
                    {
                        // On time: timed from the actual send (a timer that wakes late is not the server's fault).
                        await Task.Delay(wait);
                        from = Stopwatch.GetTimestamp();
                    }
                    else
                    {
                        // Behind schedule because an earlier Get was slow: timed from when this one was due.
                        from = scheduled;
                    }
                }
                else
                {
                    from = Stopwatch.GetTimestamp();
                }

                if (await store.GetAsync(id) is null)
                {
                    throw new InvalidOperationException("A live session was not found.");
                }

                latencies.Add(Stopwatch.GetElapsedTime(from).TotalMilliseconds);
            }

            return latencies;
        })).ToArray();

        try
        {
            await phase();
        }
        finally
        {
            await stop.CancelAsync();
        }

        return (await Task.WhenAll(workers)).SelectMany(l => l).Order().ToArray();
    }

    private static void Print(int round, string phase, double[] sorted, TimeSpan duration, long deleted, int statements) =>
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {round} | {phase} | {sorted.Length} | {Percentiles.Of(sorted, 0.50):F2} | {Percentiles.Of(sorted, 0.99):F2} | {sorted[^1]:F2} | {duration.TotalSeconds:F2} | {deleted} | {statements} |"));

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = 600;
        await command.ExecuteNonQueryAsync();
    }
}
