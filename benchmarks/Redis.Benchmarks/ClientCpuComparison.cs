using System;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using SessionStores.Benchmarks;
using StackExchange.Redis;

namespace SessionStores.Redis.Benchmarks;

/// <summary>
/// <c>--client-cpu</c>: how much CPU the application process spends per operation (user + system time of this process
/// divided by operations), which BenchmarkDotNet's wall-clock figures cannot separate from Redis's own time on a
/// machine where both share the cores. Each contender runs <c>--concurrency</c> loops over distinct keys for
/// <c>--ops</c> operations; contenders alternate within each of <c>--rounds</c> rounds so drift hits all alike.
/// </summary>
internal static class ClientCpuComparison
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(20);

    public static async Task RunAsync(string[] args)
    {
        var ops = BenchmarkArgs.IntArg(args, "--ops", 200_000);
        var concurrency = BenchmarkArgs.IntArg(args, "--concurrency", 16);
        var rounds = BenchmarkArgs.IntArg(args, "--rounds", 3);
        using var redis = BenchmarkRedis.Start();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = connection.GetDatabase();
        await using var both = new StoreAndCache(connection, "cpu:", Ttl);
        var (store, cache, cacheOptions) = (both.Store, both.Cache, both.CacheOptions);
        var payload = new byte[512];
        new Random(42).NextBytes(payload);
        var ids = Enumerable.Range(0, concurrency).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
        var rawKeys = ids.Select(id => (RedisKey)("cpu:raw:" + id)).ToArray();
        for (var i = 0; i < concurrency; i++)
        {
            await store.SetAsync(ids[i], new SessionWrite(payload, Ttl));
            await db.StringSetAsync(rawKeys[i], payload, Ttl);
            await cache.SetAsync(ids[i], payload, cacheOptions);
        }

        // The client cost of a script call itself: the smallest script doing a GET, by SHA1 as the store sends its scripts.
        var getScript = (await db.ExecuteAsync("SCRIPT", "LOAD", "return redis.call('GET', KEYS[1])")).ToString();
        var getScriptHash = Convert.FromHexString(getScript);
        var tableScript = (await db.ExecuteAsync("SCRIPT", "LOAD", "return { redis.call('GET', KEYS[1]), tonumber(ARGV[1]), 0 }")).ToString();
        var tableScriptHash = Convert.FromHexString(tableScript);
        var contenders = new (string Name, Func<int, Task> Operation)[]
        {
            ("raw EVALSHA (script: GET)", i => db.ScriptEvaluateAsync(getScriptHash, [rawKeys[i]], [1200000])),
            ("raw EVALSHA (script: { GET, n, 0 })", i => db.ScriptEvaluateAsync(tableScriptHash, [rawKeys[i]], [1200000])),
            ("raw GET", i => db.StringGetAsync(rawKeys[i])),
            ("store Get", i => store.GetAsync(ids[i])),
            ("raw GETEX PX", i => db.StringGetSetExpiryAsync(rawKeys[i], Ttl)),
            ("store GetAndTouch", i => store.GetAndTouchAsync(ids[i], Ttl)),
            ("RedisCache Get (+refresh)", i => cache.GetAsync(ids[i])),
            ("raw SET PX", i => db.StringSetAsync(rawKeys[i], payload, Ttl)),
            ("store Set", i => store.SetAsync(ids[i], new SessionWrite(payload, Ttl))),
            ("RedisCache Set", i => cache.SetAsync(ids[i], payload, cacheOptions)),
        };

        // Warm-up: JIT, script cache, connection.
        foreach (var (_, operation) in contenders)
        {
            await Comparison.MeasureClosedLoopsAsync(concurrency, 2_000, operation);
        }

        var results = await AlternatingRounds.RunAsync(contenders, rounds, c => Comparison.MeasureClosedLoopsAsync(concurrency, ops, c.Operation));

        Console.WriteLine($"Client CPU per operation: {ops} operations per contender and round, {concurrency} in flight, {rounds} rounds (median shown), 512-byte values, {Environment.ProcessorCount} cores");
        Console.WriteLine("| contender | client CPU µs/op | ops/s |");
        Console.WriteLine("|---|---|---|");
        for (var c = 0; c < contenders.Length; c++)
        {
            var cpu = Percentiles.Median(results[c].Select(r => r.CpuUs));
            var rate = Percentiles.Median(results[c].Select(r => r.OpsPerSecond));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {contenders[c].Name} | {cpu:F1} | {rate:F0} |"));
        }
    }
}
