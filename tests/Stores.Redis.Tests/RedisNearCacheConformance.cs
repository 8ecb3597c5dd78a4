using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using StackExchange.Redis;

namespace SessionStores.Redis.Tests;

// The shared suite with the near cache on, over the standalone server and the 3-primary cluster: every rule of the
// contract holds through the cache (the feed is live before each test starts).
public sealed class RedisNearCacheConformance(RedisNearCacheFixture fixture) : SessionStoreConformanceTests<RedisNearCacheFixture>(fixture);

public sealed class RedisClusterNearCacheConformance(RedisClusterNearCacheFixture fixture) : SessionStoreConformanceTests<RedisClusterNearCacheFixture>(fixture);

// The near cache's own behaviour over the Redis feed.
public sealed class RedisFeedConformance(RedisFeedFixture fixture) : NearCacheConformanceTests<RedisFeedFixture>(fixture);

public sealed class RedisClusterFeedConformance(RedisClusterFeedFixture fixture) : NearCacheConformanceTests<RedisClusterFeedFixture>(fixture);

/// <summary>Redis stores behind a near cache; the backend is inspected under the cache.</summary>
public class RedisNearCacheFixture : IBackendInspectionFixture
{
    protected virtual RedisFixture Redis { get; } = new();

    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        await NearCachedStores.WrapAsync(await Redis.CreateStoreAsync(options, cancellationToken), cancellationToken);

    public ValueTask<long> CountHeldRecordsAsync(ISessionStore store, ConformanceStoreOptions options, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        Redis.CountHeldRecordsAsync(((NearCachedSessionStore)store).Inner, options, ids, cancellationToken);

    public ValueTask RunCleanupAsync(ISessionStore store, ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        Redis.RunCleanupAsync(((NearCachedSessionStore)store).Inner, options, cancellationToken);
}

/// <summary>Redis Cluster stores behind a near cache.</summary>
public sealed class RedisClusterNearCacheFixture : RedisNearCacheFixture
{
    protected override RedisFixture Redis { get; } = new RedisClusterFixture();
}

/// <summary>Plain Redis stores, silent ones, and stores whose feed connection a test can kill.</summary>
public class RedisFeedFixture : RedisFixture, INearCacheFixture
{
    public async ValueTask<ISessionStore> CreateSilentStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        new RedisSessionStore(new RedisSessionStoreOptions
        {
            ConnectionMultiplexer = await ConnectionAsync(),
            KeyPrefix = PrefixOf(options),
            PublishInvalidations = false,
        });

    public async ValueTask<Process> StartIncrementerAsync(ConformanceStoreOptions options, string id, int count, CancellationToken cancellationToken) =>
        LeaseHolderProcesses.StartDotnet(
            "SessionStores.NearCacheWorker.dll", "redis", await ConnectionStringAsync(), PrefixOf(options), id, count.ToString(CultureInfo.InvariantCulture));

    /// <summary>A store with a connection of its own, named so that <c>CLIENT KILL</c> finds it on every primary.</summary>
    public async ValueTask<(ISessionStore Store, Func<CancellationToken, Task> KillFeed)> CreateKillableStoreAsync(
        ConformanceStoreOptions options, CancellationToken cancellationToken)
    {
        var name = "nearcache-" + Guid.NewGuid().ToString("N")[..12];
        var connectionString = await ConnectionStringAsync();
        var store = new RedisSessionStore(new RedisSessionStoreOptions
        {
            ConnectionString = connectionString + ",name=" + name,
            KeyPrefix = PrefixOf(options),
        });
        return (store, async _ =>
        {
            await using var admin = await ConnectionMultiplexer.ConnectAsync(connectionString + ",allowAdmin=true");
            var killed = 0;
            foreach (var server in admin.GetServers().Where(s => !s.IsReplica))
            {
                foreach (var client in await server.ClientListAsync())
                {
                    if (client.Name == name)
                    {
                        await server.ClientKillAsync(client.Id, skipMe: false);
                        killed++;
                    }
                }
            }

            if (killed == 0)
            {
                throw new InvalidOperationException($"No connection named {name} was found to kill.");
            }
        });
    }
}

/// <summary>As <see cref="RedisFeedFixture"/>, on the 3-primary cluster.</summary>
public sealed class RedisClusterFeedFixture : RedisFeedFixture
{
    public override bool IsCluster => true;
}
