using System;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;

namespace SessionStores.TestServers;

/// <summary>
/// The stalled-backend suite's fixture over a dedicated <see cref="IStallableServer"/> (never the shared one), started on
/// first use: a store's fixture says only how to make a store on it, from its connection string, so that the store's own
/// driver timeouts are the ones tested.
/// </summary>
/// <param name="start">Starts the server (one of <see cref="StallableServers"/>).</param>
public abstract class StallableServerFixture(Func<Task<IStallableServer>> start) : IStallableBackendFixture, IAsyncDisposable
{
    private readonly Lazy<Task<IStallableServer>> _server = new(start);

    /// <inheritdoc />
    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        CreateStore((await _server.Value).ConnectionString, options);

    /// <inheritdoc />
    public async ValueTask PauseAsync(CancellationToken cancellationToken) => (await _server.Value).Pause();

    /// <inheritdoc />
    public void Resume()
    {
        if (_server.IsValueCreated && _server.Value.IsCompletedSuccessfully)
        {
            _server.Value.Result.Resume();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_server.IsValueCreated && _server.Value.IsCompletedSuccessfully)
        {
            await _server.Value.Result.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>A store of <paramref name="options"/> on the server.</summary>
    /// <param name="connectionString">The server's connection string.</param>
    /// <param name="options">What the test asks for.</param>
    /// <returns>The store, which owns its connection.</returns>
    protected abstract ISessionStore CreateStore(string connectionString, ConformanceStoreOptions options);
}
