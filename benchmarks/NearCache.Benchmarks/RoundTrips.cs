using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using StackExchange.Redis;

namespace SessionStores.NearCache.Benchmarks;

/// <summary>What one request costs the store, with and without the near cache: store calls (each one round trip) counted
/// in front of the store, and for Redis the server's own command counts (<c>INFO commandstats</c>, heartbeats excluded).</summary>
internal static class RoundTrips
{
    private const int Requests = 1000;

    public static async Task RunAsync(string backend, Func<ISessionStore> create, string connection, CancellationToken cancellationToken)
    {
        foreach (var cached in new[] { false, true })
        {
            var inner = create();
            var counted = new CountingSessionStore(inner);
            ISessionStore store = counted;
            NearCachedSessionStore? cache = null;
            if (cached)
            {
                store = cache = NearCachedSessionStore.Create(counted, (ISessionInvalidationSource)inner);
                await NearCachedStores.WaitUntilAsync(cache, live: true, cancellationToken);
            }

            var ids = Enumerable.Range(0, 100).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
            foreach (var id in ids)
            {
                await store.SetAsync(id, new SessionWrite(new byte[200], TimeSpan.FromMinutes(20)), cancellationToken);
                await store.GetAndTouchAsync(id, TimeSpan.FromMinutes(20), cancellationToken);
            }

            foreach (var readOnly in new[] { false, true })
            {
                var calls = counted.Calls;
                var commands = await RedisCommandsAsync(backend, connection);
                for (var i = 0; i < Requests; i++)
                {
                    var id = ids[i % ids.Length];
                    var record = await store.GetAndTouchAsync(id, TimeSpan.FromMinutes(20), cancellationToken);
                    if (!readOnly)
                    {
                        var result = await store.SetAsync(id, new SessionWrite(new byte[200], TimeSpan.FromMinutes(20), null, record!.Version), cancellationToken);
                        if (!result.Succeeded)
                        {
                            throw new InvalidOperationException("Unexpected conflict.");
                        }
                    }
                }

                var serverCommands = (await RedisCommandsAsync(backend, connection) - commands) / (double)Requests;
                Console.WriteLine(
                    $"{backend,-9} near cache {(cached ? "on " : "off")} {(readOnly ? "read-only        " : "read-modify-write")}: " +
                    $"{(counted.Calls - calls) / (double)Requests:0.000} store calls per request" +
                    (backend == "redis" ? $", {serverCommands:0.000} Redis commands per request" : string.Empty));
            }

            if (cache is not null)
            {
                await cache.DisposeAsync();
            }

            await ((IAsyncDisposable)inner).DisposeAsync();
        }
    }

    // Every command the server ran (scripts count once; the PUBLISH a script makes is not a command), minus the near cache's
    // heartbeats and this measurement's own INFO.
    private static async Task<double> RedisCommandsAsync(string backend, string connection)
    {
        if (backend != "redis")
        {
            return 0;
        }

        await using var admin = await ConnectionMultiplexer.ConnectAsync(connection + ",allowAdmin=true");
        var server = admin.GetServers()[0];
        long total = 0;
        foreach (var group in await server.InfoAsync("commandstats"))
        {
            foreach (var (key, value) in group)
            {
                var name = key.Replace("cmdstat_", string.Empty, StringComparison.Ordinal);
                if (name is "publish" or "info" or "ping" or "client|setname" or "client|id" or "subscribe" or "config|get" or "cluster|nodes" or "echo" or "hello")
                {
                    continue;
                }

                var calls = value.Split(',')[0].Split('=')[1];
                total += long.Parse(calls, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return total;
    }
}
