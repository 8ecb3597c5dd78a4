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

/// <summary>
/// One <c>memcached</c> process on 127.0.0.1 (as user <c>memcache</c> when this process is root: memcached refuses to
/// run as root without <c>-u</c>), no UDP, items up to <see cref="MemcachedTestServer.MaxItemBytes"/>. It can be
/// killed and started again on the same port (empty: memcached keeps nothing). A watchdog stops it should this
/// process die first.
/// </summary>
public sealed class LocalMemcachedServer : ITestServer
{
    private readonly string _binary;
    private readonly string _root;
    private Process? _process;
    private int _disposed;

    private LocalMemcachedServer(string binary, string root, int port)
    {
        _binary = binary;
        _root = root;
        Port = port;
        ConnectionString = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>The port (127.0.0.1).</summary>
    public int Port { get; }

    /// <inheritdoc />
    public string ConnectionString { get; }

    /// <summary>Starts a server on a free port and waits until it answers.</summary>
    /// <param name="binary">The path of <c>memcached</c>.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<LocalMemcachedServer> StartAsync(string binary, CancellationToken cancellationToken)
    {
        // A free port can be taken between the probe and the bind: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var root = Directory.CreateTempSubdirectory("sessionstores-memcached-").FullName;
            var server = new LocalMemcachedServer(binary, root, LoopbackPorts.Free());
            try
            {
                await server.StartProcessAsync(cancellationToken);
                LocalServerProcess.StartWatchdog(
                    root, aliveCondition: $"[ -d '{root}' ]", stopCommand: $"kill -9 $(cat '{root}/memcached.pid' 2>/dev/null) 2>/dev/null");
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>Kills the process (SIGKILL) and waits until it is gone: its items are lost, its port refuses connections.</summary>
    /// <returns>A task that completes when the process has exited.</returns>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            Resume();
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Stops the process with SIGSTOP: connections stay open and nothing answers, as on a hung host.</summary>
    public void Pause() => Signal("STOP");

    /// <summary>Continues a process <see cref="Pause"/> stopped.</summary>
    public void Resume() => Signal("CONT");

    /// <summary>Starts the process again on the same port, empty, and waits until it answers.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the server answers.</returns>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await KillAsync();
        await StartProcessAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            _process?.Dispose();
            LocalServerProcess.TryDelete(_root);
        }
    }

    private void Signal(string signal)
    {
        var process = _process ?? throw new InvalidOperationException("memcached is not running.");
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        _process?.Dispose();
        var start = new ProcessStartInfo(_binary) { UseShellExecute = false, WorkingDirectory = _root, RedirectStandardError = true };
        var arguments = new List<string>
        {
            "-l", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "0", "-m", "64",
            "-I", (MemcachedTestServer.MaxItemBytes / 1024).ToString(CultureInfo.InvariantCulture) + "k",
            "-P", Path.Combine(_root, "memcached.pid"),
        };
        if (Environment.UserName == "root" && !OperatingSystem.IsWindows())
        {
            arguments.AddRange(["-u", "memcache"]);
            File.SetUnixFileMode(_root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.GroupRead |
                UnixFileMode.GroupWrite | UnixFileMode.GroupExecute);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {_binary}.");
        _process = process;
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await LocalServerProcess.WaitReadyAsync(
            async ct => process.HasExited
                ? throw new InvalidOperationException($"memcached on port {Port} exited with {process.ExitCode}: {await errors}")
                : await LocalServerProcess.AnswersAsync(Port, "mn\r\n"u8.ToArray(), "MN"u8.ToArray(), ct),
            TimeSpan.FromSeconds(20),
            TimeSpan.FromMilliseconds(20),
            $"memcached on port {Port} did not answer mn.",
            cancellationToken);
    }
}
