using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.TestServers;

/// <summary>Stalling and restarting a <see cref="LocalMariaDbServer"/>: one process (its threads stop with it), a child
/// of this one.</summary>
public sealed partial class LocalMariaDbServer : IStallableServer
{
    /// <inheritdoc />
    public bool IsPaused => _server.IsPaused;

    /// <inheritdoc />
    public void Pause() => _server.Pause();

    /// <inheritdoc />
    public void Resume() => _server.Resume();

    /// <inheritdoc />
    /// <remarks>A graceful stop is SIGTERM: mariadbd shuts down cleanly.</remarks>
    public Task RestartAsync(bool kill, CancellationToken cancellationToken = default) =>
        _server.RestartAsync(kill, TimeSpan.FromSeconds(60), cancellationToken);
}
