using System;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using SessionStores.TestServers;

namespace SessionStores.MySql.Tests;

/// <summary>
/// A MariaDB server of its own (never the shared one) that the stalled-backend suite stops and continues. Each store
/// builds its own data source from the connection string, so the store's own MySqlConnector timeouts are the ones tested.
/// </summary>
public sealed class MySqlStallableFixture : IStallableBackendFixture, IAsyncDisposable
{
    private readonly Lazy<Task<IStallableServer>> _server = new(() => StallableServers.StartMariaDbAsync());

    /// <inheritdoc />
    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken)
    {
        var server = await _server.Value;
        return new MySqlSessionStore(new MySqlSessionStoreOptions
        {
            ConnectionString = server.ConnectionString,
            TableName = options.Namespace,
            MaxDataBytes = options.MaxDataBytes,
            OperationTimeout = options.OperationTimeout ?? SessionLimits.DefaultOperationTimeout,
            EnablePruning = false,
        });
    }

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
    }
}
