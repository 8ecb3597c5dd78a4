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
/// One <c>mariadbd</c> process on 127.0.0.1 with its own data directory in a temp directory (owned by user
/// <c>mysql</c> when this process is root: MariaDB refuses to run as root), no system service, strict SQL mode, and
/// durability off unless started durable. It has a database <see cref="Database"/> that user <c>root</c> (no password)
/// reaches over TCP. Disposing stops it and deletes the directory; a watchdog does the same should this process die
/// first. Stalling and restarting live in <c>LocalMariaDbServer.Stall.cs</c>.
/// </summary>
public sealed partial class LocalMariaDbServer : ITestServer
{
    /// <summary>The database the tests use.</summary>
    public const string Database = "sessionstores";

    // Stricter than MariaDB's default (which is already STRICT_TRANS_TABLES): a statement that would only warn fails.
    private const string SqlMode = "STRICT_ALL_TABLES,STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION";

    private readonly MariaDbBinaries _binaries;
    private readonly string _root;
    private readonly bool _asMysqlUser;
    private readonly bool _durable;
    private readonly ChildServerProcess _server;

    private LocalMariaDbServer(MariaDbBinaries binaries, string root, bool asMysqlUser, bool durable, int port)
    {
        _binaries = binaries;
        _root = root;
        _asMysqlUser = asMysqlUser;
        _durable = durable;
        Port = port;
        ConnectionString = $"Server=127.0.0.1;Port={port.ToString(CultureInfo.InvariantCulture)};User ID=root;Database={Database};Maximum Pool Size=200";
        _server = new ChildServerProcess($"mariadbd on port {port.ToString(CultureInfo.InvariantCulture)}", StartProcess, WaitReadyAsync);
    }

    /// <summary>The port the server listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <inheritdoc />
    public string ConnectionString { get; }

    /// <summary>Initialises a data directory, starts a server on a free port and creates <see cref="Database"/>.</summary>
    /// <param name="binaries">The MariaDB binaries.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <param name="durable">Whether a commit reaches the log file before it is acknowledged
    /// (<c>innodb_flush_log_at_trx_commit=1</c>), so a SIGKILL loses nothing acknowledged.</param>
    /// <returns>The running server.</returns>
    public static async Task<LocalMariaDbServer> StartAsync(MariaDbBinaries binaries, CancellationToken cancellationToken, bool durable = false)
    {
        var asMysqlUser = Environment.UserName == "root";
        var root = Directory.CreateTempSubdirectory("sessionstores-mariadb-").FullName;
        try
        {
            // A temporary directory of its own: with the shared /tmp, two servers bootstrapping at once (test projects run
            // in parallel) collided on the bootstrap's temporary tables ("Unknown table 'mysql.tmp_user_sys'").
            Directory.CreateDirectory(Path.Combine(root, "tmp"));
            if (asMysqlUser)
            {
                await LocalServerProcess.RunAsync("chown", ["-R", "mysql:mysql", root], cancellationToken);
            }

            List<string> install =
            [
                "--no-defaults", "--datadir=" + Path.Combine(root, "data"), "--auth-root-authentication-method=normal", "--skip-test-db",
                "--tmpdir=" + Path.Combine(root, "tmp"),
            ];
            if (asMysqlUser)
            {
                install.Add("--user=mysql");
            }

            await LocalServerProcess.RunAsync(binaries.InstallDb, install, cancellationToken, workingDirectory: root);

            // A free port can be taken between the probe and the bind: try a few.
            for (var attempt = 1; ; attempt++)
            {
                var server = new LocalMariaDbServer(binaries, root, asMysqlUser, durable, LoopbackPorts.Free());
                try
                {
                    server.StartWatchdog();
                    await server.WaitReadyAsync(cancellationToken);
                    await server.AdminAsync(["create", Database], cancellationToken);
                    return server;
                }
                catch (InvalidOperationException) when (attempt < 3)
                {
                    await server._server.StopAsync();
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
    public ValueTask DisposeAsync() => _server.DisposeAsync(_root);

    private Process StartProcess()
    {
        var start = new ProcessStartInfo(_binaries.Server) { UseShellExecute = false, WorkingDirectory = _root };
        List<string> arguments =
        [
            "--no-defaults", "--datadir=" + Path.Combine(_root, "data"), "--port=" + Port.ToString(CultureInfo.InvariantCulture),
            "--bind-address=127.0.0.1", "--socket=" + Path.Combine(_root, "mariadb.sock"), "--pid-file=" + Path.Combine(_root, "mariadb.pid"),
            "--log-error=" + Path.Combine(_root, "error.log"), "--skip-log-bin", "--sql-mode=" + SqlMode, "--max-connections=400",
            "--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=" + (_durable ? "1" : "0"), "--performance-schema=OFF",
            "--tmpdir=" + Path.Combine(_root, "tmp"),
        ];
        if (_asMysqlUser)
        {
            arguments.Add("--user=mysql");
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {_binaries.Server}.");
    }

    private Task<string> AdminAsync(IReadOnlyList<string> command, CancellationToken cancellationToken) =>
        LocalServerProcess.RunAsync(
            _binaries.Admin,
            ["--no-defaults", "-h127.0.0.1", "-P" + Port.ToString(CultureInfo.InvariantCulture), "-uroot", "--connect-timeout=2", .. command],
            cancellationToken,
            logOnFailure: Path.Combine(_root, "error.log"));

    // Follows the pid file: a restarted server has a new pid. A stalled server is continued first so the kill lands.
    private void StartWatchdog()
    {
        var pid = $"$(cat '{_root}/mariadb.pid' 2>/dev/null)";
        LocalServerProcess.StartWatchdog(
            _root,
            aliveCondition: $"[ -d '{_root}/data' ]",
            stopCommand: $"kill -CONT {pid} 2>/dev/null; kill -9 {pid} 2>/dev/null");
    }

    // The server exiting (its port taken, a bad option) ends the wait at once, with its error log.
    private Task WaitReadyAsync(CancellationToken cancellationToken) =>
        LocalServerProcess.WaitReadyAsync(
            async ct =>
            {
                if (_server.Current.HasExited)
                {
                    throw new InvalidOperationException(
                        $"mariadbd on port {Port} exited with {_server.Current.ExitCode}: {LocalServerProcess.ReadIfExists(Path.Combine(_root, "error.log"))}");
                }

                var (exitCode, _, _) = await LocalServerProcess.ExecuteAsync(
                    _binaries.Admin, ["--no-defaults", "-h127.0.0.1", "-P" + Port.ToString(CultureInfo.InvariantCulture), "-uroot", "--connect-timeout=2", "ping"], ct);
                return exitCode == 0;
            },
            TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(100),
            $"MariaDB on port {Port} did not become ready.",
            cancellationToken);
}
