using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;

namespace SessionStores.Redis.Tests;

// The shared suite with the near cache on, over the standalone server and the 3-primary cluster: every rule of the
// contract holds through the cache (the feed is live before each test starts).
public sealed class RedisNearCacheConformance(RedisNearCacheFixture fixture) : SessionStoreConformanceTests<RedisNearCacheFixture>(fixture);

public sealed class RedisClusterNearCacheConformance(RedisClusterNearCacheFixture fixture) : SessionStoreConformanceTests<RedisClusterNearCacheFixture>(fixture);

/// <summary>Redis stores behind a near cache.</summary>
public class RedisNearCacheFixture : ISessionStoreFixture
{
    protected virtual RedisFixture Redis { get; } = new();

    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        await NearCachedStores.WrapAsync(await Redis.CreateStoreAsync(options, cancellationToken), cancellationToken);
}

/// <summary>Redis Cluster stores behind a near cache.</summary>
public sealed class RedisClusterNearCacheFixture : RedisNearCacheFixture
{
    protected override RedisFixture Redis { get; } = new RedisClusterFixture();
}
