using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using SessionStores.Benchmarks;
using StackExchange.Redis;

namespace SessionStores.Redis.Benchmarks;

/// <summary>
/// <c>--server-cpu</c>: what one read-modify-write request costs the Redis server, for our store and for ASP.NET Core's
/// built-in session over Microsoft's <see cref="RedisCache"/>, on the same redis-server in the same run. A request is
/// what each integration sends for a session it reads and changes: ours <c>GetAndTouchAsync</c> then a compare-and-set
/// <c>SetAsync</c> (src/Stores.AspNetCore), the built-in <c>RedisCache.GetAsync</c> (which refreshes a sliding entry)
/// then <c>RedisCache.SetAsync</c> (DistributedSession's load and commit). Two figures per request: the server
/// process's CPU (<c>INFO cpu</c>, user + system: command execution plus reading and answering the socket) and the sum
/// of <c>INFO commandstats</c> (usec per call × calls, <c>INFO</c>/<c>CONFIG</c> left out; a command a script runs is
/// counted again under its own name, which only counts against scripts). Contenders alternate within each of
/// <c>--rounds</c> rounds (median shown), <c>--concurrency</c> closed loops on distinct sessions, <c>--requests</c> each.
/// </summary>
internal static class ServerCpuComparison
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(20);

    public static async Task RunAsync(string[] args)
    {
        var requests = BenchmarkArgs.IntArg(args, "--requests", 50_000);
        var concurrency = BenchmarkArgs.IntArg(args, "--concurrency", 16);
        var rounds = BenchmarkArgs.IntArg(args, "--rounds", 5);
        using var redis = BenchmarkRedis.Start();
        await using var connection = await Comparison.ConnectAdminAsync(redis.ConnectionString);
        var server = connection.GetServers()[0];
        await using var both = new StoreAndCache(connection, "srv:", Ttl);
        var (store, cache, cacheOptions) = (both.Store, both.Cache, both.CacheOptions);
        var payload = new byte[512];
        new Random(42).NextBytes(payload);
        var ids = Enumerable.Range(0, concurrency).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
        foreach (var id in ids)
        {
            await store.SetAsync(id, new SessionWrite(payload, Ttl));
            await cache.SetAsync(id, payload, cacheOptions);
        }

        var contenders = new (string Name, Func<string, Task> Request)[]
        {
            ("built-in session over RedisCache: Get (+refresh) + Set", async id =>
            {
                _ = await cache.GetAsync(id);
                await cache.SetAsync(id, payload, cacheOptions);
            }),
            ("ours: GetAndTouch + Set (compare-and-set)", async id =>
            {
                var record = await store.GetAndTouchAsync(id, Ttl) ?? throw new InvalidOperationException("The session vanished.");
                var result = await store.SetAsync(id, new SessionWrite(payload, Ttl, expectedVersion: record.Version));
                if (!result.Succeeded)
                {
                    throw new InvalidOperationException("A compare-and-set on a session of its own failed.");
                }
            }),
        };

        foreach (var (_, request) in contenders)
        {
            await Comparison.RunClosedLoopsAsync(ids.Length, 2_000, i => request(ids[i]));
        }

        var results = await AlternatingRounds.RunAsync(contenders, rounds, async contender =>
        {
            await server.ConfigResetStatisticsAsync();
            var cpuBefore = await Comparison.ServerCpuSecondsAsync(server);
            await Comparison.RunClosedLoopsAsync(ids.Length, requests, i => contender.Request(ids[i]));
            var cpuAfter = await Comparison.ServerCpuSecondsAsync(server);
            var commands = await CommandStatsAsync(server);
            return new Measurement((cpuAfter - cpuBefore) * 1e6 / requests, commands.Sum(c => c.Value.Usec) / requests, commands);
        });

        Console.WriteLine($"Redis server CPU per read-modify-write request: {requests} requests per contender and round, {concurrency} in flight, {rounds} rounds (median shown), 512-byte sessions, {Environment.ProcessorCount} cores");
        Console.WriteLine("| contender | Redis process CPU µs/request | commandstats µs/request | commands per request (usec/call) |");
        Console.WriteLine("|---|---:|---:|---|");
        for (var c = 0; c < contenders.Length; c++)
        {
            var name = contenders[c].Name;
            var median = results[c].OrderBy(m => m.ProcessCpuUs).ElementAt(rounds / 2);
            var commandStats = Percentiles.Median(results[c].Select(m => m.CommandStatsUs));
            var breakdown = string.Join(", ", median.Commands.OrderByDescending(c => c.Value.Usec).Select(c =>
                string.Create(CultureInfo.InvariantCulture, $"{c.Key} {(double)c.Value.Calls / requests:0.##}× ({c.Value.Usec / c.Value.Calls:F2})")));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {median.ProcessCpuUs:F1} | {commandStats:F1} | {breakdown} |"));
        }
    }

    /// <summary>Per command: calls and total usec since the last reset, without the benchmark's own INFO and CONFIG.</summary>
    private static async Task<Dictionary<string, (long Calls, double Usec)>> CommandStatsAsync(IServer server)
    {
        var stats = new Dictionary<string, (long Calls, double Usec)>();
        foreach (var pair in (await server.InfoAsync("commandstats")).SelectMany(g => g))
        {
            var command = pair.Key["cmdstat_".Length..];
            if (command.StartsWith("info", StringComparison.Ordinal) || command.StartsWith("config", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = pair.Value.Split(',').Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1]);
            stats[command] = (long.Parse(fields["calls"], CultureInfo.InvariantCulture), double.Parse(fields["usec"], CultureInfo.InvariantCulture));
        }

        return stats;
    }

    private sealed record Measurement(double ProcessCpuUs, double CommandStatsUs, Dictionary<string, (long Calls, double Usec)> Commands);
}
