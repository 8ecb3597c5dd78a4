using System;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using SessionStores.Postgres;
using SessionStores.TestServers;

namespace SessionStores.Postgres.Tests;

/// <summary>
/// A PostgreSQL server of its own (never the shared one) that the stalled-backend suite stops and continues. Each store
/// builds its own data source from the connection string, so the store's own Npgsql timeouts are the ones tested.
/// </summary>
public sealed class PostgresStallableFixture : IStallableBackendFixture, IAsyncDisposable
{
    private readonly Lazy<Task<IStallableServer>> _server = new(() => StallableServers.StartPostgresAsync());

    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken)
    {
        var server = await _server.Value;
        return new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            ConnectionString = server.ConnectionString,
            TableName = options.Namespace,
            MaxDataBytes = options.MaxDataBytes,
            OperationTimeout = options.OperationTimeout ?? SessionLimits.DefaultOperationTimeout,
            EnablePruning = false,
        });
    }

    public async ValueTask PauseAsync(CancellationToken cancellationToken) => (await _server.Value).Pause();

    public void Resume()
    {
        if (_server.IsValueCreated && _server.Value.IsCompletedSuccessfully)
        {
            _server.Value.Result.Resume();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server.IsValueCreated && _server.Value.IsCompletedSuccessfully)
        {
            await _server.Value.Result.DisposeAsync();
        }
    }
}
