using System;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;

namespace SessionStores.Redis.Benchmarks;

/// <summary>The two contenders of the hand-written comparisons on one connection: our store and Microsoft's
/// <see cref="RedisCache"/> with a sliding expiry (as the built-in session uses it), each under its own key prefix.</summary>
internal sealed class StoreAndCache : IAsyncDisposable
{
    public StoreAndCache(IConnectionMultiplexer connection, string prefix, TimeSpan ttl)
    {
        Store = new RedisSessionStore(new RedisSessionStoreOptions { ConnectionMultiplexer = connection, KeyPrefix = prefix + "store:" });
        Cache = new RedisCache(new RedisCacheOptions
        {
            ConnectionMultiplexerFactory = () => Task.FromResult(connection),
            InstanceName = prefix + "cache:",
        });
        CacheOptions = new DistributedCacheEntryOptions { SlidingExpiration = ttl };
    }

    public RedisSessionStore Store { get; }

    public RedisCache Cache { get; }

    public DistributedCacheEntryOptions CacheOptions { get; }

    public async ValueTask DisposeAsync()
    {
        Cache.Dispose();
        await Store.DisposeAsync();
    }
}
