using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using Testcontainers.PostgreSql;

namespace SessionStores.TestServers;

/// <summary>
/// The PostgreSQL server of this test process: <c>$SESSIONSTORES_POSTGRES</c>, else a throwaway server from the
/// binaries in <c>/usr/lib/postgresql/*/bin</c> (run as user <c>postgres</c> when this process is root, because
/// initdb refuses root), else a Testcontainers container. Resolved once per process.
/// </summary>
public static class PostgresTestServer
{
    /// <summary>The backend name in <c>SESSIONSTORES_REQUIRED_BACKENDS</c>.</summary>
    public const string Backend = "postgres";

    /// <summary>The variable that may hold an Npgsql connection string.</summary>
    public const string EnvironmentVariable = "SESSIONSTORES_POSTGRES";

    private static readonly Lazy<Task<BackendResolution>> Resolution = new(
        () => TestBackends.ResolveAsync(Backend, EnvironmentVariable, StartLocalAsync, StartContainerAsync));

    /// <summary>The server of this process (started on first call).</summary>
    /// <returns>The resolution; call <see cref="BackendResolution.EnsureAvailable"/> for the connection string.</returns>
    public static Task<BackendResolution> ResolveAsync() => Resolution.Value;

    /// <summary>Starts a throwaway server from local binaries, or returns <see langword="null"/> when there are none.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The server, or <see langword="null"/>.</returns>
    public static async Task<ITestServer?> StartLocalAsync(CancellationToken cancellationToken)
    {
        var bin = FindBinaries();
        return bin is null ? null : await LocalPostgresServer.StartAsync(bin, cancellationToken);
    }

    /// <summary>Starts a PostgreSQL container, or returns <see langword="null"/> when no Docker engine answers.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The server, or <see langword="null"/>.</returns>
    public static async Task<ITestServer?> StartContainerAsync(CancellationToken cancellationToken)
    {
        if (!DockerEngine.IsAvailable)
        {
            return null;
        }

        var container = new PostgreSqlBuilder("postgres:15-alpine")
            .WithCommand("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300")
            .Build();
        await container.StartAsync(cancellationToken);
        return new DockerContainerServer(container.GetConnectionString(), container.DisposeAsync);
    }

    /// <summary>The directory with initdb and pg_ctl, or <see langword="null"/>.</summary>
    internal static string? FindBinaries()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("PGBIN") is { Length: > 0 } fromEnvironment)
        {
            candidates.Add(fromEnvironment);
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            // Newest major version first.
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var major) ? major : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        candidates.Add("/usr/local/pgsql/bin");
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }
}

/// <summary>
/// A PostgreSQL cluster in a temp directory on a free loopback port: initdb + pg_ctl, as user <c>postgres</c> when this
/// process is root. Durability is switched off (fsync) because the data is thrown away. Disposing stops it
/// (<c>pg_ctl -m fast stop</c>) and deletes the directory; a watchdog does the same should this process die first.
/// Stalling and restarting live in <c>LocalPostgresServer.Stall.cs</c>.
/// </summary>
public sealed partial class LocalPostgresServer : ITestServer
{
    private readonly string _bin;
    private readonly string _root;
    private readonly bool _asPostgresUser;
    private readonly bool _durable;
    private int _disposed;

    private LocalPostgresServer(string bin, string root, bool asPostgresUser, bool durable, int port)
    {
        _bin = bin;
        _root = root;
        _asPostgresUser = asPostgresUser;
        _durable = durable;
        Port = port;
        ConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Maximum Pool Size=100";
    }

    /// <summary>The port the server listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <inheritdoc />
    public string ConnectionString { get; }

    /// <summary>Initialises and starts a server.</summary>
    /// <param name="bin">The directory with initdb and pg_ctl.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <param name="durable">
    /// Whether a commit waits for its WAL to reach the kernel (<c>synchronous_commit=on</c>), so a SIGKILL of every
    /// server process loses nothing acknowledged (fsync stays off: the machine itself does not crash in a test).
    /// </param>
    /// <returns>The running server.</returns>
    public static async Task<LocalPostgresServer> StartAsync(string bin, CancellationToken cancellationToken, bool durable = false)
    {
        var asPostgresUser = Environment.UserName == "root";
        var root = Directory.CreateTempSubdirectory("sessionstores-pg-").FullName;
        try
        {
            if (asPostgresUser)
            {
                await RunAsync("chown", ["postgres:", root], root, asPostgresUser: false, cancellationToken);
            }

            var data = Path.Combine(root, "data");
            await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"], root, asPostgresUser, cancellationToken);

            // A free port can be taken between the probe and the bind: try a few.
            for (var attempt = 1; ; attempt++)
            {
                var port = LoopbackPorts.Free();
                var server = new LocalPostgresServer(bin, root, asPostgresUser, durable, port);
                try
                {
                    await server.StartPostmasterAsync(cancellationToken);
                    server.StartWatchdog();
                    await server.WaitReadyAsync(cancellationToken);
                    return server;
                }
                catch (InvalidOperationException) when (attempt < 3)
                {
                    // The port was taken; initdb's data directory is reused.
                }
            }
        }
        catch
        {
            LocalServerProcess.TryDelete(root);
            throw;
        }
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
            Resume();
            await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "fast", "-w", "stop"], _root, _asPostgresUser, CancellationToken.None);
        }
        finally
        {
            LocalServerProcess.TryDelete(_root);
        }
    }

    // Runs a PostgreSQL binary from the server's directory; on failure the message carries the server log.
    private static Task RunAsync(string file, IReadOnlyList<string> arguments, string root, bool asPostgresUser, CancellationToken cancellationToken) =>
        LocalServerProcess.RunAsync(
            file, arguments, cancellationToken, workingDirectory: root, runAsUser: asPostgresUser ? "postgres" : null, logOnFailure: Path.Combine(root, "server.log"));

    private Task StartPostmasterAsync(CancellationToken cancellationToken) =>
        RunAsync(
            Path.Combine(_bin, "pg_ctl"),
            [
                "-D", Path.Combine(_root, "data"), "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "start", "-o",
                $"-c listen_addresses=127.0.0.1 -p {Port} -k {_root} -c fsync=off -c synchronous_commit={(_durable ? "on" : "off")} " +
                "-c full_page_writes=off -c max_connections=300",
            ],
            _root,
            _asPostgresUser,
            cancellationToken);

    // Kills the postmaster and its children outright: that also ends a stalled server, which would ignore a stop request.
    private void StartWatchdog()
    {
        var pid = $"$(head -1 '{_root}/data/postmaster.pid' 2>/dev/null)";
        var kill = $"p={pid}; [ -n \"$p\" ] && kill -9 $p $(pgrep -P $p) 2>/dev/null";
        LocalServerProcess.StartWatchdog(_root, aliveCondition: $"[ -d '{_root}/data' ]", stopCommand: $"[ -d '{_root}/data' ] && {{ {kill}; }}");
    }

    // pg_ctl -w already waited; pg_isready confirms the TCP listener the tests use.
    private Task WaitReadyAsync(CancellationToken cancellationToken) =>
        LocalServerProcess.WaitReadyAsync(
            async ct => (await LocalServerProcess.ExecuteAsync(
                Path.Combine(_bin, "pg_isready"), ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-t", "5"], ct)).ExitCode == 0,
            TimeSpan.FromSeconds(30),
            TimeSpan.FromMilliseconds(100),
            $"PostgreSQL on port {Port} did not become ready.",
            cancellationToken);
}
