using System;
using System.Threading.Tasks;
using SessionStores.TestServers;

namespace SessionStores.Reliability.Harness;

/// <summary>The backends whose server a test can stop and restart (tests/TestServers <see cref="IStallableServer"/>).</summary>
public static class StallableBackends
{
    /// <summary>The backend names, as in <c>SESSIONSTORES_REQUIRED_BACKENDS</c> and the app's <c>--store</c>.</summary>
    public static readonly string[] Names = ["redis", "postgres", "mysql", "memcached"];

    /// <summary>
    /// Starts a dedicated server for <paramref name="backend"/> (never the shared one of the test process), durable where
    /// the server can be (memcached keeps nothing: <see cref="IStallableServer.KeepsDataOnRestart"/>), with the sample's
    /// table created on it for a SQL backend.
    /// </summary>
    /// <param name="backend">redis, postgres, mysql or memcached.</param>
    /// <returns>The running server.</returns>
    public static async Task<IStallableServer> StartAsync(string backend)
    {
        var server = backend switch
        {
            "redis" => await StallableServers.StartRedisAsync(Load.Token),
            "postgres" => await StallableServers.StartPostgresAsync(Load.Token),
            "mysql" => await StallableServers.StartMariaDbAsync(Load.Token),
            "memcached" => await StallableServers.StartMemcachedAsync(Load.Token),
            _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown stallable backend."),
        };
        try
        {
            await StoreLocation.EnsureSchemaAsync(backend, server.ConnectionString);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }
}
