using System;
using System.Threading;
using System.Threading.Tasks;
using SessionStores;
using SessionStores.NearCache.Benchmarks;
using SessionStores.Postgres;
using SessionStores.Redis;
using SessionStores.TestServers;

// Usage:
//   NearCache.Benchmarks                       both measurements on throwaway Redis and PostgreSQL servers
//   NearCache.Benchmarks watch <backend> <connection> <namespace>   (the second process of the latency measurement)
if (args is ["watch", var watchedBackend, var watchedConnection, var watchedNamespace])
{
    await Watcher.RunAsync(CreateStore(watchedBackend, watchedConnection, watchedNamespace));
    return 0;
}

var writes = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 2000;
using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(10));
await using var redis = await RedisTestServer.StartLocalAsync(stop.Token) ?? throw new InvalidOperationException("redis-server is not installed.");
await using var postgres = await PostgresTestServer.StartLocalAsync(stop.Token) ?? throw new InvalidOperationException("PostgreSQL is not installed.");
foreach (var (backend, connection) in new[] { ("redis", redis.ConnectionString), ("postgres", postgres.ConnectionString) })
{
    var ns = "bench" + Guid.NewGuid().ToString("N")[..8];
    await RoundTrips.RunAsync(backend, () => CreateStore(backend, connection, ns), connection, stop.Token);
    await Latency.RunAsync(backend, connection, ns, CreateStore(backend, connection, ns), writes, stop.Token);
}

return 0;

static ISessionStore CreateStore(string backend, string connection, string ns) => backend switch
{
    "redis" => new RedisSessionStore(new RedisSessionStoreOptions { ConnectionString = connection, KeyPrefix = ns + ":" }),
    "postgres" => new PostgresSessionStore(new PostgresSessionStoreOptions { ConnectionString = connection, TableName = ns, EnablePruning = false }),
    _ => throw new ArgumentException($"Unknown backend {backend}.", nameof(backend)),
};
