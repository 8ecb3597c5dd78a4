using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.TestServers;

/// <summary>
/// The one process of a throwaway server that is a child of this one (<c>redis-server</c>, <c>mariadbd</c>): stalled
/// with SIGSTOP and continued, stopped (a SIGKILL, or a SIGTERM for a graceful shutdown) and started again with the same
/// arguments, at once or after it stayed down for a while. What <see cref="LocalRedisServer"/>,
/// <see cref="LocalMariaDbServer"/> and <see cref="LocalMemcachedServer"/> share; each says how to wait until it answers.
/// </summary>
internal sealed class ChildServerProcess
{
    private readonly Lock _gate = new();
    private readonly string _name;
    private readonly Func<Process> _start;
    private readonly Func<CancellationToken, Task> _waitReady;
    private Process _process;
    private bool _paused;
    private int _disposed;

    /// <summary>Starts the process.</summary>
    /// <param name="name">The server, for messages ("redis-server on port 6379").</param>
    /// <param name="start">Starts the process (again, after a restart).</param>
    /// <param name="waitReady">Returns once the server answers (after a restart); throws when it never does.</param>
    public ChildServerProcess(string name, Func<Process> start, Func<CancellationToken, Task> waitReady)
    {
        _name = name;
        _start = start;
        _waitReady = waitReady;
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

    /// <summary>Kills the process (SIGKILL) and waits up to <paramref name="exitTimeout"/> for it to exit; it stays down
    /// until <see cref="RestartAsync"/>.</summary>
    public async Task KillAsync(TimeSpan exitTimeout)
    {
        var process = Current;
        if (!process.HasExited)
        {
            process.Kill();
        }

        await process.WaitForExitAsync(CancellationToken.None).WaitAsync(exitTimeout);
        lock (_gate)
        {
            _paused = false;
        }
    }

    /// <summary>Stops the process (<paramref name="kill"/>: SIGKILL; otherwise it is continued and sent SIGTERM) unless
    /// <see cref="KillAsync"/> already did, waits up to <paramref name="exitTimeout"/> for it to exit, starts a new one and
    /// returns once it answers.</summary>
    /// <exception cref="ObjectDisposedException">The server was disposed.</exception>
    public async Task RestartAsync(bool kill, TimeSpan exitTimeout, CancellationToken cancellationToken)
    {
        if (IsDisposed)
        {
            throw new ObjectDisposedException(_name);
        }

        var old = Current;
        if (kill && !old.HasExited)
        {
            old.Kill();
        }
        else if (!old.HasExited)
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

        await _waitReady(cancellationToken);
    }

    /// <summary>Whether <see cref="DisposeAsync"/> ran: the server is gone for good.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The first time: stops the process (<see cref="StopAsync"/>) and deletes <paramref name="root"/>, the
    /// server's temp directory. Later calls do nothing.</summary>
    public async ValueTask DisposeAsync(string root)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await StopAsync();
        }
        finally
        {
            LocalServerProcess.TryDelete(root);
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
