using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.TestServers;

/// <summary>Stalling and restarting a <see cref="LocalMemcachedServer"/>: one process (its threads stop with it), a child
/// of this one. memcached keeps nothing: a restarted server is empty.</summary>
public sealed partial class LocalMemcachedServer : IStallableServer
{
    /// <inheritdoc />
    public bool IsPaused => _server.IsPaused;

    /// <inheritdoc />
    /// <remarks>memcached keeps its items in memory only.</remarks>
    public bool KeepsDataOnRestart => false;

    /// <inheritdoc />
    public void Pause() => _server.Pause();

    /// <inheritdoc />
    public void Resume() => _server.Resume();

    /// <inheritdoc />
    /// <remarks>A graceful stop is SIGTERM: memcached closes its connections and exits. After <see cref="KillAsync"/>,
    /// only the start is left.</remarks>
    public Task RestartAsync(bool kill, CancellationToken cancellationToken = default) =>
        _server.RestartAsync(kill, TimeSpan.FromSeconds(10), cancellationToken);
}
