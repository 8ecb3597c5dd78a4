using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.TestServers;

/// <summary>Stalling and restarting a <see cref="LocalMariaDbServer"/>: one process (its threads stop with it), a child
/// of this one.</summary>
public sealed partial class LocalMariaDbServer : IStallableServer
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
            ServerSignals.WaitUntil(() => ServerSignals.IsStopped(_process.Id), $"mariadbd on port {Port} is stopped");
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

            // SIGTERM: mariadbd shuts down cleanly.
            ServerSignals.Send(old.Id, "TERM");
        }

        await old.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        old.Dispose();
        lock (_gate)
        {
            IsPaused = false;
            _process = StartProcess();
        }

        await WaitReadyAsync(cancellationToken);
    }
}
