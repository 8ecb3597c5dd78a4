using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.TestServers;
using StackExchange.Redis;
using Xunit;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>connect-redis on the Express side, <see cref="ExpressRedisSessionStore"/> on the .NET side, one Redis, a key
/// prefix of their own.</summary>
public sealed class RedisProfileFixture : CrossStackFixture
{
    public string Prefix { get; } = "xsess" + Guid.NewGuid().ToString("N")[..8] + ":";

    public IConnectionMultiplexer Redis { get; private set; } = null!;

    public IDatabase Db => Redis.GetDatabase();

    public override async Task<string?> StoredJsonAsync(string id) => await Db.StringGetAsync(Prefix + id);

    public override Task<TimeSpan?> RemainingAsync(string id) => Db.KeyTimeToLiveAsync(Prefix + id);

    public override Task ShortenAsync(string id, TimeSpan remaining) => Db.KeyExpireAsync(Prefix + id, remaining);

    public override async Task ExpireAsync(string id)
    {
        await Db.KeyExpireAsync(Prefix + id, TimeSpan.FromMilliseconds(1));
        await Poll.UntilAsync(async () => !await Db.KeyExistsAsync(Prefix + id), "the key did not expire");
    }

    protected override async Task<Action<IServiceCollection>> PrepareAsync(IDictionary<string, string> environment)
    {
        var connectionString = (await RedisTestServer.ResolveAsync()).EnsureAvailable();
        Redis = await ConnectionMultiplexer.ConnectAsync(connectionString);
        environment["STORE"] = "redis";
        environment["REDIS_URL"] = "redis://" + connectionString.Split(',')[0];
        environment["PREFIX"] = Prefix;
        return services => services.AddExpressRedisSessionStore(o =>
        {
            o.ConnectionMultiplexer = Redis;
            o.KeyPrefix = Prefix;
        });
    }
}
