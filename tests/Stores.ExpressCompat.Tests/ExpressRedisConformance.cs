using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using SessionStores.TestServers;
using StackExchange.Redis;
using Xunit;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>
/// The connect-redis profile as a plain <see cref="ISessionStore"/>: the shared rules it can keep. Its format has no
/// version, no subject, no creation time, whole-second expiry and no listing, so it declares none of the optional
/// capabilities and the kit skips exactly those rules, with the reason.
/// </summary>
public sealed class ExpressRedisStoreFixture : ISessionStoreFixture, IUnreachableBackendFixture
{
    private static IConnectionMultiplexer? _connection;

    public ConformanceCapabilities Capabilities => ConformanceCapabilities.None;

    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken)
    {
        var connectionString = (await RedisTestServer.ResolveAsync()).EnsureAvailable();
        _connection ??= await ConnectionMultiplexer.ConnectAsync(connectionString);
        return new ExpressRedisSessionStore(new ExpressRedisSessionStoreOptions
        {
            ConnectionMultiplexer = _connection,
            KeyPrefix = options.Namespace + ":sess:",
            MaxDataBytes = options.MaxDataBytes,
        });
    }

    public ValueTask<ISessionStore> CreateUnreachableStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISessionStore>(new ExpressRedisSessionStore(new ExpressRedisSessionStoreOptions
        {
            ConnectionString = $"127.0.0.1:{LoopbackPorts.Free()},connectTimeout=500,connectRetry=0,asyncTimeout=1000,syncTimeout=1000,abortConnect=false",
            KeyPrefix = options.Namespace + ":sess:",
            MaxDataBytes = options.MaxDataBytes,
        }));
}

public sealed class ExpressRedisConformance(ExpressRedisStoreFixture fixture) : SessionStoreConformanceTests<ExpressRedisStoreFixture>(fixture);

public sealed class ExpressRedisFailureConformance(ExpressRedisStoreFixture fixture) : FailureConformanceTests<ExpressRedisStoreFixture>(fixture);
