using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.Conformance;
using StackExchange.Redis;
using Xunit;

namespace SessionStores.Redis.Tests;

// The shared suites, on a standalone server and on a 3-primary cluster (the failure, stall and registration rules do
// not depend on the topology, so they run once).
public sealed class RedisConformance(RedisFixture fixture) : SessionStoreConformanceTests<RedisFixture>(fixture);

public sealed class RedisClusterConformance(RedisClusterFixture fixture) : SessionStoreConformanceTests<RedisClusterFixture>(fixture);

public sealed class RedisCorruptDataConformance(RedisFixture fixture) : CorruptDataConformanceTests<RedisFixture>(fixture);

public sealed class RedisClusterCorruptDataConformance(RedisClusterFixture fixture) : CorruptDataConformanceTests<RedisClusterFixture>(fixture);

public sealed class RedisLeaseConformance(RedisFixture fixture) : LeaseConformanceTests<RedisFixture>(fixture);

public sealed class RedisClusterLeaseConformance(RedisClusterFixture fixture) : LeaseConformanceTests<RedisClusterFixture>(fixture);

public sealed class RedisLeaseHolderProcessConformance(RedisFixture fixture) : LeaseHolderProcessConformanceTests<RedisFixture>(fixture);

public sealed class RedisClusterLeaseHolderProcessConformance(RedisClusterFixture fixture) : LeaseHolderProcessConformanceTests<RedisClusterFixture>(fixture);

public sealed class RedisFailureConformance(RedisFixture fixture) : FailureConformanceTests<RedisFixture>(fixture);

public sealed class RedisStalledBackendConformance(RedisStallableFixture fixture) : StalledBackendConformanceTests<RedisStallableFixture>(fixture);

public sealed class RedisRegistrationTests(RedisFixture fixture)
    : RegistrationConformanceTests<RedisSessionStore, RedisSessionStoreOptions>, IClassFixture<RedisFixture>
{
    protected override IEnumerable<(string Option, Action<RedisSessionStoreOptions> Break)> InvalidOptions =>
    [
        // No connection at all (and no IConnectionMultiplexer registered to share), or two at once.
        ("ConnectionString", o => o.ConnectionString = null),
        ("Configuration", o => o.Configuration = new ConfigurationOptions()),
        ("KeyPrefix", o => o.KeyPrefix = string.Empty),
        ("KeyPrefix", o => o.KeyPrefix = "{app}:"),
        ("MaxDataBytes", o => o.MaxDataBytes = 512 * 1024 * 1024),
        ("Database", o => o.Database = -2),
    ];

    protected override async ValueTask<Action<RedisSessionStoreOptions>> ValidOptionsAsync(CancellationToken cancellationToken)
    {
        var connectionString = await fixture.ConnectionStringAsync();
        var prefix = "reg" + Guid.NewGuid().ToString("N")[..12] + ":";
        return o =>
        {
            o.ConnectionString = connectionString;
            o.KeyPrefix = prefix;
        };
    }

    protected override void Register(IServiceCollection services, Action<RedisSessionStoreOptions> configure) => services.AddRedisSessionStore(configure);

    protected override RedisSessionStore Create(RedisSessionStoreOptions options) => new(options);
}
