using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.TestServers;

/// <summary>
/// Stalling and restarting a <see cref="LocalPostgresServer"/>. Every server process (backends, WAL writer,
/// checkpointer…) is a child of the postmaster and runs in a session of its own, so one signal to a process group would
/// miss them: the postmaster is stopped first (it forks no new backend while stopped), then each of its children.
/// </summary>
public sealed partial class LocalPostgresServer : IStallableServer
{
    private readonly Lock _gate = new();
    private List<int>? _paused;

    /// <inheritdoc />
    public bool IsPaused
    {
        get
        {
            lock (_gate)
            {
                return _paused is not null;
            }
        }
    }

    /// <inheritdoc />
    public void Pause()
    {
        lock (_gate)
        {
            if (_paused is not null)
            {
                return;
            }

            var postmaster = PostmasterPid();
            ServerSignals.Send(postmaster, "STOP");
            _paused = [postmaster];
            ServerSignals.WaitUntil(() => ServerSignals.IsStopped(postmaster), $"the PostgreSQL postmaster on port {Port} is stopped");
            foreach (var (child, _) in ServerSignals.Children(postmaster))
            {
                ServerSignals.Send(child, "STOP");
                _paused.Add(child);
            }

            ServerSignals.WaitUntil(() => _paused.All(ServerSignals.IsStopped), $"every PostgreSQL process on port {Port} is stopped");
        }
    }

    /// <inheritdoc />
    public void Resume()
    {
        lock (_gate)
        {
            // Children first, so the postmaster sees no dead-looking child when it runs again.
            foreach (var pid in Enumerable.Reverse(_paused ?? []).Where(ServerSignals.IsAlive))
            {
                ServerSignals.Send(pid, "CONT");
            }

            _paused = null;
        }
    }

    /// <inheritdoc />
    public async Task RestartAsync(bool kill, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (kill)
        {
            lock (_gate)
            {
                var postmaster = PostmasterPid();
                var processes = ServerSignals.Children(postmaster).Select(c => c.Pid).Prepend(postmaster).ToList();
                processes.ForEach(pid => ServerSignals.Send(pid, "KILL"));
                _paused = null;
                ServerSignals.WaitUntil(() => !processes.Any(ServerSignals.IsAlive), $"every PostgreSQL process on port {Port} is gone");
            }

            // Nothing reaps an orphaned postmaster here (pid 1 may not), and a zombie's pid still looks alive to the new
            // postmaster's lock-file checks: the files are stale (every server process is dead), so remove them. The new
            // postmaster recycles the unattached shared memory and runs crash recovery.
            File.Delete(Path.Combine(_root, "data", "postmaster.pid"));
            File.Delete(Path.Combine(_root, $".s.PGSQL.{Port.ToString(CultureInfo.InvariantCulture)}.lock"));
        }
        else
        {
            Resume();
            await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "fast", "-w", "stop"], _root, _asPostgresUser, cancellationToken);
        }

        await StartPostmasterAsync(cancellationToken);
        await WaitReadyAsync(cancellationToken);
    }

    // The first line of postmaster.pid.
    private int PostmasterPid()
    {
        var pid = int.Parse(File.ReadLines(Path.Combine(_root, "data", "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        return ServerSignals.IsAlive(pid)
            ? pid
            : throw new InvalidOperationException($"The PostgreSQL postmaster {pid} on port {Port} is not running.");
    }
}
