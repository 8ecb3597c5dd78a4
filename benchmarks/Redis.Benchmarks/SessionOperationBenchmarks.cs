using System;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;

namespace SessionStores.Redis.Benchmarks;

/// <summary>
/// One invocation issues <see cref="Concurrency"/> operations at once on distinct sessions and waits for all, so every
/// contender runs at the same concurrency over the same connection settings. Baselines: the raw driver doing the least
/// equivalent work (GET; GETEX PX; SET PX) and Microsoft's <see cref="RedisCache"/> (Get, which refreshes a sliding
/// entry, and Set). Divide times and allocations by <see cref="Concurrency"/> for per-operation figures.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class SessionOperationBenchmarks
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(20);

    private BenchmarkRedis _redis = null!;
    private ConnectionMultiplexer _connection = null!;
    private IDatabase _db = null!;
    private RedisSessionStore _store = null!;
    private RedisCache _cache = null!;
    private DistributedCacheEntryOptions _cacheOptions = null!;
    private string[] _ids = null!;
    private RedisKey[] _rawKeys = null!;
    private byte[] _payload = null!;
    private Task[] _tasks = null!;

    /// <summary>Operations in flight at once.</summary>
    [Params(1, 16)]
    public int Concurrency { get; set; }

    /// <summary>Session payload size in bytes.</summary>
    [Params(512)]
    public int PayloadBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _redis = BenchmarkRedis.Start();
        _connection = ConnectionMultiplexer.Connect(_redis.ConnectionString);
        _db = _connection.GetDatabase();
        _store = new RedisSessionStore(new RedisSessionStoreOptions { ConnectionMultiplexer = _connection, KeyPrefix = "bench:store:" });
        _cache = new RedisCache(new RedisCacheOptions
        {
            ConnectionMultiplexerFactory = () => Task.FromResult<IConnectionMultiplexer>(_connection),
            InstanceName = "bench:cache:",
        });
        _cacheOptions = new DistributedCacheEntryOptions { SlidingExpiration = Ttl };
        _payload = new byte[PayloadBytes];
        new Random(42).NextBytes(_payload);
        _ids = new string[Concurrency];
        _rawKeys = new RedisKey[Concurrency];
        _tasks = new Task[Concurrency];
        for (var i = 0; i < Concurrency; i++)
        {
            _ids[i] = Guid.NewGuid().ToString("N");
            _rawKeys[i] = "bench:raw:" + _ids[i];
            _store.SetAsync(_ids[i], new SessionWrite(_payload, Ttl)).GetAwaiter().GetResult();
            _db.StringSet(_rawKeys[i], _payload, Ttl);
            _cache.Set(_ids[i], _payload, _cacheOptions);
        }

        // Warm the script cache so that every measured call is EVALSHA.
        _store.GetAndTouchAsync(_ids[0], Ttl).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cache.Dispose();
        _store.Dispose();
        _connection.Dispose();
        _redis.Dispose();
    }

    [Benchmark(Baseline = true, Description = "raw GET")]
    [BenchmarkCategory("Get")]
    public Task RawGet()
    {
        for (var i = 0; i < _tasks.Length; i++)
        {
            _tasks[i] = _db.StringGetAsync(_rawKeys[i]);
        }

        return Task.WhenAll(_tasks);
    }

    [Benchmark(Description = "store Get")]
    [BenchmarkCategory("Get")]
    public Task StoreGet()
    {
        for (var i = 0; i < _tasks.Length; i++)
        {
            _tasks[i] = _store.GetAsync(_ids[i]);
        }

        return Task.WhenAll(_tasks);
    }

    [Benchmark(Baseline = true, Description = "raw GETEX PX")]
    [BenchmarkCategory("GetAndTouch")]
    public Task RawGetEx()
    {
        for (var i = 0; i < _tasks.Length; i++)
        {
            _tasks[i] = _db.StringGetSetExpiryAsync(_rawKeys[i], Ttl);
        }

        return Task.WhenAll(_tasks);
    }

    [Benchmark(Description = "store GetAndTouch")]
    [BenchmarkCategory("GetAndTouch")]
    public Task StoreGetAndTouch()
    {
        for (var i = 0; i < _tasks.Length; i++)
        {
            _tasks[i] = _store.GetAndTouchAsync(_ids[i], Ttl);
        }

        return Task.WhenAll(_tasks);
    }

    [Benchmark(Description = "RedisCache Get+Refresh")]
    [BenchmarkCategory("GetAndTouch")]
    public Task CacheGetAndRefresh()
    {
        // RedisCache.GetAsync reads the entry and, for a sliding entry, refreshes its expiry.
        for (var i = 0; i < _tasks.Length; i++)
        {
            _tasks[i] = _cache.GetAsync(_ids[i]);
        }

        return Task.WhenAll(_tasks);
    }

    [Benchmark(Baseline = true, Description = "raw SET PX")]
    [BenchmarkCategory("Set")]
    public Task RawSet()
    {
        for (var i = 0; i < _tasks.Length; i++)
        {
            _tasks[i] = _db.StringSetAsync(_rawKeys[i], _payload, Ttl);
        }

        return Task.WhenAll(_tasks);
    }

    [Benchmark(Description = "store Set")]
    [BenchmarkCategory("Set")]
    public Task StoreSet()
    {
        for (var i = 0; i < _tasks.Length; i++)
        {
            _tasks[i] = _store.SetAsync(_ids[i], new SessionWrite(_payload, Ttl));
        }

        return Task.WhenAll(_tasks);
    }

    [Benchmark(Description = "RedisCache Set")]
    [BenchmarkCategory("Set")]
    public Task CacheSet()
    {
        for (var i = 0; i < _tasks.Length; i++)
        {
            _tasks[i] = _cache.SetAsync(_ids[i], _payload, _cacheOptions);
        }

        return Task.WhenAll(_tasks);
    }
}
