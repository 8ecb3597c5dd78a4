using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;

namespace SessionStores.Redis.Benchmarks;

/// <summary>What the hand-written comparisons share besides their options (BenchmarkArgs) and medians (Percentiles): how
/// they drive a contender.</summary>
internal static class Comparison
{
    /// <summary><paramref name="loops"/> closed loops, each on its own session, that together run
    /// <paramref name="operations"/> operations: a loop starts its next operation as soon as its last one completes.</summary>
    /// <param name="loops">Operations in flight at once.</param>
    /// <param name="operations">Operations in all.</param>
    /// <param name="operation">One operation, given its loop's index.</param>
    /// <returns>A task that completes when every operation has.</returns>
    public static Task RunClosedLoopsAsync(int loops, int operations, Func<int, Task> operation)
    {
        var remaining = operations;
        return Task.WhenAll(Enumerable.Range(0, loops).Select(async i =>
        {
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                await operation(i);
            }
        }));
    }

    /// <summary>Runs <see cref="RunClosedLoopsAsync"/> and measures this process's CPU (user + system) per operation and
    /// the operations per second.</summary>
    /// <param name="loops">Operations in flight at once.</param>
    /// <param name="operations">Operations in all.</param>
    /// <param name="operation">One operation, given its loop's index.</param>
    /// <returns>Client CPU µs per operation and operations per second.</returns>
    public static async Task<(double CpuUs, double OpsPerSecond)> MeasureClosedLoopsAsync(int loops, int operations, Func<int, Task> operation)
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        await RunClosedLoopsAsync(loops, operations, operation);
        wall.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        return (cpu.TotalMicroseconds / operations, operations / wall.Elapsed.TotalSeconds);
    }

    /// <summary>A connection that may run <c>INFO</c> (admin mode), for the comparisons that read Redis's own CPU.</summary>
    /// <param name="connectionString">The benchmark server's connection string.</param>
    /// <returns>The connection.</returns>
    public static async Task<ConnectionMultiplexer> ConnectAdminAsync(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AllowAdmin = true;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <summary>The Redis process's CPU so far (<c>INFO cpu</c>, user + system), in seconds; needs an admin connection.</summary>
    /// <param name="server">The server.</param>
    /// <returns>Seconds of CPU.</returns>
    public static async Task<double> ServerCpuSecondsAsync(IServer server)
    {
        var cpu = (await server.InfoAsync("cpu")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        return double.Parse(cpu["used_cpu_user"], CultureInfo.InvariantCulture) + double.Parse(cpu["used_cpu_sys"], CultureInfo.InvariantCulture);
    }
}

/// <summary>The two contenders of the hand-written comparisons on one connection: our store and Microsoft's
/// <see cref="RedisCache"/> with a sliding expiry (as the built-in session uses it), each under its own key prefix.</summary>
internal sealed class StoreAndCache : IAsyncDisposable
{
    public StoreAndCache(IConnectionMultiplexer connection, string prefix, TimeSpan ttl)
    {
        Store = new RedisSessionStore(new RedisSessionStoreOptions { ConnectionMultiplexer = connection, KeyPrefix = prefix + "store:" });
        Cache = new RedisCache(new RedisCacheOptions
        {
            ConnectionMultiplexerFactory = () => Task.FromResult(connection),
            InstanceName = prefix + "cache:",
        });
        CacheOptions = new DistributedCacheEntryOptions { SlidingExpiration = ttl };
    }

    public RedisSessionStore Store { get; }

    public RedisCache Cache { get; }

    public DistributedCacheEntryOptions CacheOptions { get; }

    public async ValueTask DisposeAsync()
    {
        Cache.Dispose();
        await Store.DisposeAsync();
    }
}
