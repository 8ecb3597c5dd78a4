using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;

namespace SessionStores.TestServers;

/// <summary>
/// The memcached servers of this test process: one server, and a set of three (sessions spread over them by the
/// store's consistent hashing). Each is <c>$SESSIONSTORES_MEMCACHED</c> / <c>$SESSIONSTORES_MEMCACHED_SET</c> (a
/// comma-separated <c>host:port</c> list), else throwaway <c>memcached</c> processes (Debian's package) on loopback
/// ports, else skipped. Resolved once per process. The throwaway servers run with <c>-I 2m</c>, so that a 1 MiB
/// session fits in an item.
/// </summary>
public static class MemcachedTestServer
{
    /// <summary>The backend name in <c>SESSIONSTORES_REQUIRED_BACKENDS</c> (both the single server and the set).</summary>
    public const string Backend = "memcached";

    /// <summary>The variable that may hold the server list of a single server.</summary>
    public const string EnvironmentVariable = "SESSIONSTORES_MEMCACHED";

    /// <summary>The variable that may hold the server list of a set of servers.</summary>
    public const string SetEnvironmentVariable = "SESSIONSTORES_MEMCACHED_SET";

    /// <summary>The item size limit (<c>-I</c>) of the throwaway servers.</summary>
    public const int MaxItemBytes = 2 * 1024 * 1024;

    private static readonly Lazy<Task<BackendResolution>> Single = new(
        () => TestBackends.ResolveAsync(Backend, EnvironmentVariable, async ct => await StartLocalAsync(1, ct), startContainer: null));

    private static readonly Lazy<Task<BackendResolution>> Set = new(
        () => TestBackends.ResolveAsync(Backend, SetEnvironmentVariable, async ct => await StartLocalAsync(3, ct), startContainer: null));

    /// <summary>The single server of this process (started on first call).</summary>
    /// <returns>The resolution; <see cref="BackendResolution.EnsureAvailable"/> gives the server list.</returns>
    public static Task<BackendResolution> ResolveAsync() => Single.Value;

    /// <summary>The three-server set of this process (started on first call).</summary>
    /// <returns>The resolution; <see cref="BackendResolution.EnsureAvailable"/> gives the server list.</returns>
    public static Task<BackendResolution> ResolveSetAsync() => Set.Value;

    /// <summary>Starts <paramref name="count"/> throwaway servers, or returns <see langword="null"/> without a <c>memcached</c> binary.</summary>
    /// <param name="count">How many.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The servers, or <see langword="null"/>.</returns>
    public static async Task<LocalMemcachedSet?> StartLocalAsync(int count, CancellationToken cancellationToken)
    {
        var binary = LocalBinaries.Find("memcached");
        return binary is null ? null : await LocalMemcachedSet.StartAsync(binary, count, cancellationToken);
    }
}

/// <summary>Throwaway <see cref="LocalMemcachedServer"/>s; the connection string lists them all.</summary>
public sealed class LocalMemcachedSet : ITestServer
{
    private LocalMemcachedSet(IReadOnlyList<LocalMemcachedServer> servers)
    {
        Servers = servers;
        ConnectionString = string.Join(',', servers.Select(s => s.ConnectionString));
    }

    /// <summary>The servers.</summary>
    public IReadOnlyList<LocalMemcachedServer> Servers { get; }

    /// <inheritdoc />
    public string ConnectionString { get; }

    /// <summary>Starts the servers.</summary>
    /// <param name="binary">The path of <c>memcached</c>.</param>
    /// <param name="count">How many.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running servers.</returns>
    public static async Task<LocalMemcachedSet> StartAsync(string binary, int count, CancellationToken cancellationToken)
    {
        var servers = new List<LocalMemcachedServer>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                servers.Add(await LocalMemcachedServer.StartAsync(binary, cancellationToken));
            }

            return new LocalMemcachedSet(servers);
        }
        catch
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }

            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var server in Servers)
        {
            await server.DisposeAsync();
        }
    }
}
