using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.TestServers;

/// <summary>
/// The one process of a throwaway server that is a child of this one (<c>redis-server</c>, <c>mariadbd</c>): stalled
/// with SIGSTOP and continued, stopped (a SIGKILL, or a SIGTERM for a graceful shutdown) and started again with the same
/// arguments. What <see cref="LocalRedisServer"/> and <see cref="LocalMariaDbServer"/> share; the server waits for
/// readiness itself.
/// </summary>
internal sealed class ChildServerProcess
{
    private readonly Lock _gate = new();
    private readonly string _name;
    private readonly Func<Process> _start;
    private Process _process;
    private bool _paused;

    /// <summary>Starts the process.</summary>
    /// <param name="name">The server, for messages ("redis-server on port 6379").</param>
    /// <param name="start">Starts the process (again, after a restart).</param>
    public ChildServerProcess(string name, Func<Process> start)
    {
        _name = name;
        _start = start;
        _process = start();
    }

    /// <summary>The running process (a new one after <see cref="RestartAsync"/>).</summary>
    public Process Current
    {
        get
        {
            lock (_gate)
            {
                return _process;
            }
        }
    }

    /// <summary>Whether <see cref="Pause"/> stopped it.</summary>
    public bool IsPaused
    {
        get
        {
            lock (_gate)
            {
                return _paused;
            }
        }
    }

    /// <summary>Stops the process with SIGSTOP and returns once it is stopped.</summary>
    public void Pause()
    {
        lock (_gate)
        {
            ServerSignals.Send(_process.Id, "STOP");
            ServerSignals.WaitUntil(() => ServerSignals.IsStopped(_process.Id), $"{_name} is stopped");
            _paused = true;
        }
    }

    /// <summary>Continues the process <see cref="Pause"/> stopped; a no-op when not paused.</summary>
    public void Resume()
    {
        lock (_gate)
        {
            if (_paused)
            {
                ServerSignals.Send(_process.Id, "CONT");
                _paused = false;
            }
        }
    }

    /// <summary>Stops the process (<paramref name="kill"/>: SIGKILL; otherwise it is continued and sent SIGTERM), waits up
    /// to <paramref name="exitTimeout"/> for it to exit, and starts a new one.</summary>
    public async Task RestartAsync(bool kill, TimeSpan exitTimeout, CancellationToken cancellationToken)
    {
        var old = Current;
        if (kill)
        {
            old.Kill();
        }
        else
        {
            Resume();
            ServerSignals.Send(old.Id, "TERM");
        }

        await old.WaitForExitAsync(cancellationToken).WaitAsync(exitTimeout, cancellationToken);
        old.Dispose();
        lock (_gate)
        {
            _paused = false;
            _process = _start();
        }
    }

    /// <summary>Continues and kills the process, waits for it to exit, and releases it.</summary>
    public async Task StopAsync()
    {
        Resume();
        var process = Current;
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            process.Dispose();
        }
    }
}
