using System;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using SessionStores.TestServers;

namespace SessionStores.Redis.Tests;

/// <summary>
/// A Redis server of its own (never the shared one) that the stalled-backend suite stops and continues. Each store owns
/// its connection, made from the connection string, so the store's own StackExchange.Redis timeouts are the ones tested.
/// </summary>
public sealed class RedisStallableFixture : IStallableBackendFixture, IAsyncDisposable
{
    private readonly Lazy<Task<IStallableServer>> _server = new(() => StallableServers.StartRedisAsync());

    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken)
    {
        var server = await _server.Value;
        return new RedisSessionStore(new RedisSessionStoreOptions
        {
            ConnectionString = server.ConnectionString,
            KeyPrefix = RedisFixture.PrefixOf(options),
            MaxDataBytes = options.MaxDataBytes,
            OperationTimeout = options.OperationTimeout ?? SessionLimits.DefaultOperationTimeout,
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
