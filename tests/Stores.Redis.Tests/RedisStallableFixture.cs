using SessionStores.Conformance;
using SessionStores.TestServers;

namespace SessionStores.Redis.Tests;

/// <summary>
/// A Redis server of its own (never the shared one) that the stalled-backend suite stops and continues. Each store owns
/// its connection, made from the connection string, so the store's own StackExchange.Redis timeouts are the ones tested.
/// </summary>
public sealed class RedisStallableFixture() : StallableServerFixture(() => StallableServers.StartRedisAsync())
{
    protected override ISessionStore CreateStore(string connectionString, ConformanceStoreOptions options) =>
        new RedisSessionStore(new RedisSessionStoreOptions
        {
            ConnectionString = connectionString,
            KeyPrefix = RedisFixture.PrefixOf(options),
            MaxDataBytes = options.MaxDataBytes,
            OperationTimeout = options.OperationTimeout ?? SessionLimits.DefaultOperationTimeout,
        });
}
