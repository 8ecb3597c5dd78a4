using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.TestServers;

/// <summary>Stalling and restarting a <see cref="LocalRedisServer"/> (one process, a child of this one).</summary>
public sealed partial class LocalRedisServer : IStallableServer
{
    private readonly Lock _gate = new();

    /// <inheritdoc />
    public bool IsPaused { get; private set; }

    /// <inheritdoc />
    public void Pause()
    {
        lock (_gate)
        {
            ServerSignals.Send(_process.Id, "STOP");
            ServerSignals.WaitUntil(() => ServerSignals.IsStopped(_process.Id), $"redis-server on port {Port} is stopped");
            IsPaused = true;
        }
    }

    /// <inheritdoc />
    public void Resume()
    {
        lock (_gate)
        {
            if (IsPaused)
            {
                ServerSignals.Send(_process.Id, "CONT");
                IsPaused = false;
            }
        }
    }

    /// <inheritdoc />
    public async Task RestartAsync(bool kill, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var old = _process;
        if (kill)
        {
            old.Kill();
        }
        else
        {
            Resume();

            // SIGTERM: redis-server flushes its append-only file and exits.
            ServerSignals.Send(old.Id, "TERM");
        }

        await old.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        old.Dispose();
        lock (_gate)
        {
            IsPaused = false;
            _process = StartProcess();
        }

        await WaitReadyAsync(cancellationToken);
    }
}
