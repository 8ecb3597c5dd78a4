using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using Testcontainers.Redis;

namespace SessionStores.TestServers;

/// <summary>
/// The Redis servers of this test process. Standalone: <c>$SESSIONSTORES_REDIS</c>, else a throwaway
/// <c>redis-server</c> on a free loopback port, else a Testcontainers container. Cluster (three primaries, no
/// replicas): <c>$SESSIONSTORES_REDIS_CLUSTER</c> (comma-separated nodes), else three throwaway <c>redis-server</c>
/// processes joined with <c>redis-cli --cluster create</c>. Each is resolved once per process.
/// </summary>
public static class RedisTestServer
{
    /// <summary>The standalone backend name in <c>SESSIONSTORES_REQUIRED_BACKENDS</c>.</summary>
    public const string Backend = "redis";

    /// <summary>The cluster backend name in <c>SESSIONSTORES_REQUIRED_BACKENDS</c>.</summary>
    public const string ClusterBackend = "redis-cluster";

    /// <summary>The variable that may hold a StackExchange.Redis connection string of a standalone server.</summary>
    public const string EnvironmentVariable = "SESSIONSTORES_REDIS";

    /// <summary>The variable that may hold a StackExchange.Redis connection string of a cluster.</summary>
    public const string ClusterEnvironmentVariable = "SESSIONSTORES_REDIS_CLUSTER";

    private static readonly Lazy<Task<BackendResolution>> Standalone = new(
        () => TestBackends.ResolveAsync(Backend, EnvironmentVariable, StartLocalAsync, StartContainerAsync));

    private static readonly Lazy<Task<BackendResolution>> Cluster = new(
        () => TestBackends.ResolveAsync(ClusterBackend, ClusterEnvironmentVariable, StartLocalClusterAsync, startContainer: null));

    /// <summary>The standalone server of this process (started on first call).</summary>
    /// <returns>The resolution; call <see cref="BackendResolution.EnsureAvailable"/> for the connection string.</returns>
    public static Task<BackendResolution> ResolveAsync() => Standalone.Value;

    /// <summary>The 3-primary cluster of this process (started on first call).</summary>
    /// <returns>The resolution; call <see cref="BackendResolution.EnsureAvailable"/> for the connection string.</returns>
    public static Task<BackendResolution> ResolveClusterAsync() => Cluster.Value;

    /// <summary>Starts a throwaway standalone server, or returns <see langword="null"/> without a <c>redis-server</c> binary.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The server, or <see langword="null"/>.</returns>
    public static async Task<ITestServer?> StartLocalAsync(CancellationToken cancellationToken)
    {
        var binary = LocalBinaries.Find("redis-server");
        return binary is null ? null : await LocalRedisServer.StartAsync(binary, cancellationToken);
    }

    /// <summary>Starts a throwaway 3-primary cluster, or returns <see langword="null"/> without <c>redis-server</c> and <c>redis-cli</c>.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The cluster, or <see langword="null"/>.</returns>
    public static async Task<ITestServer?> StartLocalClusterAsync(CancellationToken cancellationToken)
    {
        var server = LocalBinaries.Find("redis-server");
        var cli = LocalBinaries.Find("redis-cli");
        return server is null || cli is null ? null : await LocalRedisCluster.StartAsync(server, cli, 3, cancellationToken);
    }

    /// <summary>Starts a Redis container, or returns <see langword="null"/> when no Docker engine answers.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The server, or <see langword="null"/>.</returns>
    public static async Task<ITestServer?> StartContainerAsync(CancellationToken cancellationToken)
    {
        if (!DockerEngine.IsAvailable)
        {
            return null;
        }

        var container = new RedisBuilder("redis:7.0").Build();
        await container.StartAsync(cancellationToken);
        return new DockerContainerServer(container.GetConnectionString(), container.DisposeAsync);
    }
}

/// <summary>
/// One <c>redis-server</c> process on 127.0.0.1, files in a temp directory; persistence off unless started durable
/// (then an append-only file written before every reply, so a restart loses nothing acknowledged). Disposing stops it
/// and deletes the directory; a watchdog does the same should this process die first. Stalling and restarting live
/// in <c>LocalRedisServer.Stall.cs</c>.
/// </summary>
public sealed partial class LocalRedisServer : ITestServer
{
    private readonly string _binary;
    private readonly IReadOnlyList<string> _arguments;
    private readonly string _root;
    private readonly ChildServerProcess _server;

    private LocalRedisServer(string binary, IReadOnlyList<string> arguments, string root, int port)
    {
        _binary = binary;
        _arguments = arguments;
        _root = root;
        Port = port;
        ConnectionString = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        _server = new ChildServerProcess($"redis-server on port {port.ToString(CultureInfo.InvariantCulture)}", StartProcess, WaitReadyAsync);
    }

    /// <summary>The port the server listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <inheritdoc />
    public string ConnectionString { get; }

    /// <summary>Starts a server (standalone, or a cluster node with <paramref name="clusterNode"/>) and waits until it answers PING.</summary>
    /// <param name="binary">The path of <c>redis-server</c>.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <param name="clusterNode">Whether to start it with <c>cluster-enabled yes</c> (its bus port is port + 10000).</param>
    /// <param name="durable">Whether to keep the data across a restart: an append-only file, fsynced on every write.</param>
    /// <returns>The running server.</returns>
    public static async Task<LocalRedisServer> StartAsync(string binary, CancellationToken cancellationToken, bool clusterNode = false, bool durable = false)
    {
        var root = Directory.CreateTempSubdirectory("sessionstores-redis-").FullName;

        // A free port can be taken between the probe and the bind: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = LocalRedis.FreePort(needsBusPort: clusterNode);
            var arguments = new List<string>
            {
                "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty,
                "--appendonly", durable ? "yes" : "no", "--appendfsync", "always", "--daemonize", "no", "--dir", root,
                "--logfile", Path.Combine(root, "redis.log"), "--pidfile", Path.Combine(root, "redis.pid"), "--protected-mode", "no",
            };
            if (clusterNode)
            {
                arguments.AddRange(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"]);
            }

            var server = new LocalRedisServer(binary, arguments, root, port);
            server.StartWatchdog();
            try
            {
                await server.WaitReadyAsync(cancellationToken);
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await server.DisposeAsync();
                root = Directory.CreateTempSubdirectory("sessionstores-redis-").FullName;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server.DisposeAsync(_root);

    private Process StartProcess()
    {
        var start = new ProcessStartInfo(_binary) { UseShellExecute = false, WorkingDirectory = _root };
        foreach (var argument in _arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {_binary}.");
    }

    // Follows the pid file, not one pid: a restarted server has a new one. A stalled server is continued first so the kill lands.
    private void StartWatchdog()
    {
        var pid = $"$(cat '{_root}/redis.pid' 2>/dev/null)";
        LocalServerProcess.StartWatchdog(
            _root,
            aliveCondition: $"[ -d '{_root}' ]",
            stopCommand: $"kill -CONT {pid} 2>/dev/null; kill -9 {pid} 2>/dev/null");
    }

    private Task WaitReadyAsync(CancellationToken cancellationToken) =>
        LocalServerProcess.WaitReadyAsync(
            ct => _server.Current.HasExited
                ? throw new InvalidOperationException(
                    $"redis-server on port {Port} exited with {_server.Current.ExitCode}: {LocalServerProcess.ReadIfExists(Path.Combine(_root, "redis.log"))}")
                : LocalRedis.PingAsync(Port, ct),
            TimeSpan.FromSeconds(20),
            TimeSpan.FromMilliseconds(50),
            $"redis-server on port {Port} did not answer PING.",
            cancellationToken);
}

/// <summary>A Redis Cluster of throwaway <see cref="LocalRedisServer"/> primaries (no replicas), slots spread evenly.</summary>
public sealed class LocalRedisCluster : ITestServer
{
    private readonly IReadOnlyList<LocalRedisServer> _nodes;

    private LocalRedisCluster(IReadOnlyList<LocalRedisServer> nodes)
    {
        _nodes = nodes;
        ConnectionString = string.Join(',', nodes.Select(n => n.ConnectionString));
    }

    /// <inheritdoc />
    public string ConnectionString { get; }

    /// <summary>The primaries.</summary>
    public IReadOnlyList<LocalRedisServer> Nodes => _nodes;

    /// <summary>Starts the nodes, creates the cluster and waits until every node reports <c>cluster_state:ok</c>.</summary>
    /// <param name="serverBinary">The path of <c>redis-server</c>.</param>
    /// <param name="cliBinary">The path of <c>redis-cli</c>.</param>
    /// <param name="primaries">How many primaries (at least 3).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running cluster.</returns>
    public static async Task<LocalRedisCluster> StartAsync(string serverBinary, string cliBinary, int primaries, CancellationToken cancellationToken)
    {
        var nodes = new List<LocalRedisServer>();
        try
        {
            for (var i = 0; i < primaries; i++)
            {
                nodes.Add(await LocalRedisServer.StartAsync(serverBinary, cancellationToken, clusterNode: true));
            }

            var create = new List<string> { "--cluster", "create" };
            create.AddRange(nodes.Select(n => n.ConnectionString));
            create.AddRange(["--cluster-replicas", "0", "--cluster-yes"]);
            await LocalServerProcess.RunAsync(cliBinary, create, cancellationToken);

            var deadline = DateTime.UtcNow.AddSeconds(30);
            foreach (var node in nodes)
            {
                while (!(await LocalServerProcess.RunAsync(cliBinary, ["-p", node.Port.ToString(CultureInfo.InvariantCulture), "cluster", "info"], cancellationToken))
                    .Contains("cluster_state:ok", StringComparison.Ordinal))
                {
                    if (DateTime.UtcNow > deadline)
                    {
                        throw new InvalidOperationException($"The Redis cluster did not reach cluster_state:ok on port {node.Port}.");
                    }

                    await Task.Delay(100, cancellationToken);
                }
            }

            return new LocalRedisCluster(nodes);
        }
        catch
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }
}

internal static class LocalRedis
{
    /// <summary>A free loopback port; for a cluster node also port + 10000 (its bus port) must be free.</summary>
    public static int FreePort(bool needsBusPort)
    {
        while (true)
        {
            var port = LoopbackPorts.Free();
            if (!needsBusPort || (port + 10000 <= IPEndPoint.MaxPort && LoopbackPorts.IsFree(port + 10000)))
            {
                return port;
            }
        }
    }

    public static Task<bool> PingAsync(int port, CancellationToken cancellationToken) =>
        LocalServerProcess.AnswersAsync(port, "PING\r\n"u8.ToArray(), "+PONG"u8.ToArray(), cancellationToken);
}
