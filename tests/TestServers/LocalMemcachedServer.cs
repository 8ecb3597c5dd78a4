using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;

namespace SessionStores.TestServers;

/// <summary>
/// One <c>memcached</c> process on 127.0.0.1 (as user <c>memcache</c> when this process is root: memcached refuses to
/// run as root without <c>-u</c>), no UDP, items up to <see cref="MemcachedTestServer.MaxItemBytes"/>. It can be
/// killed and started again on the same port (empty: memcached keeps nothing). A watchdog stops it should this
/// process die first. Stalling and restarting live in <c>LocalMemcachedServer.Stall.cs</c>.
/// </summary>
public sealed partial class LocalMemcachedServer : ITestServer
{
    private readonly string _binary;
    private readonly string _root;
    private readonly ChildServerProcess _server;
    private Task<string> _errors = Task.FromResult(string.Empty);

    private LocalMemcachedServer(string binary, string root, int port)
    {
        _binary = binary;
        _root = root;
        Port = port;
        ConnectionString = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        _server = new ChildServerProcess($"memcached on port {port.ToString(CultureInfo.InvariantCulture)}", StartProcess, WaitReadyAsync);
    }

    /// <summary>The port (127.0.0.1); the same after a restart.</summary>
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
            PrepareRoot(root);
            var server = new LocalMemcachedServer(binary, root, LoopbackPorts.Free());
            try
            {
                await server.WaitReadyAsync(cancellationToken);
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

    /// <summary>Kills the process (SIGKILL) and waits until it is gone: its items are lost, its port refuses connections
    /// until <see cref="RestartAsync"/>.</summary>
    /// <returns>A task that completes when the process has exited.</returns>
    public Task KillAsync() => _server.KillAsync(TimeSpan.FromSeconds(10));

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server.DisposeAsync(_root);

    // As root, memcached runs as user memcache, which must be able to write its pid file into the directory.
    private static void PrepareRoot(string root)
    {
        if (Environment.UserName == "root" && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.GroupRead |
                UnixFileMode.GroupWrite | UnixFileMode.GroupExecute);
        }
    }

    private Process StartProcess()
    {
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
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {_binary}.");
        _errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        return process;
    }

    private Task WaitReadyAsync(CancellationToken cancellationToken) =>
        LocalServerProcess.WaitReadyAsync(
            async ct => _server.Current.HasExited
                ? throw new InvalidOperationException($"memcached on port {Port} exited with {_server.Current.ExitCode}: {await _errors}")
                : await LocalServerProcess.AnswersAsync(Port, "mn\r\n"u8.ToArray(), "MN"u8.ToArray(), ct),
            TimeSpan.FromSeconds(20),
            TimeSpan.FromMilliseconds(20),
            $"memcached on port {Port} did not answer mn.",
            cancellationToken);
}
