using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;

namespace SessionStores.TestServers;

/// <summary>
/// A dedicated throwaway server (never the shared one of the test process) that a test may stall and revive:
/// <see cref="Pause"/> stops every process of the server with SIGSTOP (connections stay open, nothing answers, as in a
/// hung host), <see cref="Resume"/> continues them, <see cref="RestartAsync"/> stops it (gracefully or with SIGKILL) and
/// starts it again on the same port and data directory. Started durable where the server can be: a restart keeps every
/// acknowledged write, except on memcached, which keeps nothing (<see cref="KeepsDataOnRestart"/>).
/// </summary>
public interface IStallableServer : ITestServer
{
    /// <summary>The port the server listens on (127.0.0.1); the same after a restart.</summary>
    int Port { get; }

    /// <summary>Whether a restart keeps every acknowledged write: <see langword="true"/> for the durable servers (Redis
    /// with its append-only file, PostgreSQL, MariaDB), <see langword="false"/> for memcached, which restarts empty.</summary>
    bool KeepsDataOnRestart => true;

    /// <summary>Whether the server is stopped by <see cref="Pause"/>.</summary>
    bool IsPaused { get; }

    /// <summary>Stops every process of the server with SIGSTOP and returns once they are all stopped.</summary>
    void Pause();

    /// <summary>Continues the processes <see cref="Pause"/> stopped (SIGCONT); a no-op when not paused.</summary>
    void Resume();

    /// <summary>
    /// Stops the server (a paused one is continued first for a graceful stop) and starts it again on the same port and
    /// data, returning once it answers.
    /// </summary>
    /// <param name="kill"><see langword="true"/> for SIGKILL (a crash), <see langword="false"/> for a graceful shutdown.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the server answers again.</returns>
    Task RestartAsync(bool kill, CancellationToken cancellationToken = default);
}

/// <summary>Starts dedicated <see cref="IStallableServer"/>s from the local binaries.</summary>
public static class StallableServers
{
    /// <summary>
    /// Starts a durable standalone <c>redis-server</c>; without the binary, skips the calling test, or fails it when
    /// <c>redis</c> is a required backend.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; its <see cref="ITestServer.ConnectionString"/> is a StackExchange.Redis endpoint.</returns>
    public static async Task<IStallableServer> StartRedisAsync(CancellationToken cancellationToken = default)
    {
        var binary = LocalBinaries.Find("redis-server") ?? SkipOrFail(RedisTestServer.Backend, "redis-server");
        return await LocalRedisServer.StartAsync(binary, cancellationToken, durable: true);
    }

    /// <summary>
    /// Starts a PostgreSQL cluster with synchronous commits; without the binaries, skips the calling test, or fails it
    /// when <c>postgres</c> is a required backend.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; its <see cref="ITestServer.ConnectionString"/> is an Npgsql connection string.</returns>
    public static async Task<IStallableServer> StartPostgresAsync(CancellationToken cancellationToken = default)
    {
        var bin = PostgresTestServer.FindBinaries() ?? SkipOrFail(PostgresTestServer.Backend, "PostgreSQL (initdb, pg_ctl)");
        return await LocalPostgresServer.StartAsync(bin, cancellationToken, durable: true);
    }

    /// <summary>
    /// Starts a durable MariaDB; without the binaries, skips the calling test, or fails it when <c>mysql</c> is a
    /// required backend.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; its <see cref="ITestServer.ConnectionString"/> is a MySqlConnector connection string.</returns>
    public static async Task<IStallableServer> StartMariaDbAsync(CancellationToken cancellationToken = default)
    {
        if (MySqlTestServer.FindBinaries() is not { } binaries)
        {
            SkipOrFail(MySqlTestServer.Backend, "MariaDB (mariadbd, mariadb-install-db, mariadb-admin)");
            return null!;
        }

        return await LocalMariaDbServer.StartAsync(binaries, cancellationToken, durable: true);
    }

    /// <summary>
    /// Starts a memcached (which keeps nothing across a restart); without the binary, skips the calling test, or fails it
    /// when <c>memcached</c> is a required backend.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; its <see cref="ITestServer.ConnectionString"/> is a memcached server list.</returns>
    public static async Task<IStallableServer> StartMemcachedAsync(CancellationToken cancellationToken = default)
    {
        var binary = LocalBinaries.Find("memcached") ?? SkipOrFail(MemcachedTestServer.Backend, "memcached");
        return await LocalMemcachedServer.StartAsync(binary, cancellationToken);
    }

    private static string SkipOrFail(string backend, string binary) =>
        TestBackends.SkipOrFail(backend, $"a stallable {backend} server needs the local binary {binary}, which was not found");
}

/// <summary>Signals to server processes, and what <c>/proc</c> says about them.</summary>
internal static class ServerSignals
{
    /// <summary>Sends <paramref name="signal"/> (a name: STOP, CONT, TERM, KILL) to a pid, or to a process group when <paramref name="group"/>.</summary>
    public static void Send(int pid, string signal, bool group = false)
    {
        var start = new ProcessStartInfo("kill") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in new[] { "-" + signal, "--", (group ? "-" : string.Empty) + pid.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start kill.");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {(group ? "-" : string.Empty)}{pid} exited with {process.ExitCode}: {error}");
        }
    }

    /// <summary>The live processes (not zombies) whose parent is <paramref name="parentId"/>, with their state letters.</summary>
    public static IReadOnlyList<(int Pid, char State)> Children(int parentId)
    {
        var children = new List<(int, char)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) &&
                ReadStat(pid) is { Parent: var parent, State: not ('Z' or 'X') } stat && parent == parentId)
            {
                children.Add((pid, stat.State));
            }
        }

        return children;
    }

    /// <summary>Whether <paramref name="pid"/> is a live process (neither gone nor a zombie).</summary>
    public static bool IsAlive(int pid) => ReadStat(pid) is { State: not ('Z' or 'X') };

    /// <summary>Whether <paramref name="pid"/> is stopped by a signal (state T), or gone.</summary>
    public static bool IsStopped(int pid) => ReadStat(pid) is not { State: not ('T' or 't' or 'Z' or 'X') };

    /// <summary>The state letter and parent of a pid, or <see langword="null"/> when it is gone.</summary>
    public static (char State, int Parent)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
    }

    /// <summary>Polls until <paramref name="condition"/> holds; throws <see cref="InvalidOperationException"/> after 10 s.</summary>
    public static void WaitUntil(Func<bool> condition, string what)
    {
        var elapsed = Stopwatch.StartNew();
        while (!condition())
        {
            if (elapsed.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException($"Timed out waiting until {what}.");
            }

            Thread.Sleep(5);
        }
    }
}
