using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.Conformance;

namespace SessionStores.Memcached.Tests;

// The shared suites, one sealed subclass each, on one server and on a set of three. No lease suite: the store holds
// no leases. No stalled-server suite: SilentServerConformanceTests is its stand-in (a listener that never answers).
public sealed class MemcachedConformance(MemcachedFixture fixture) : SessionStoreConformanceTests<MemcachedFixture>(fixture);

public sealed class MemcachedSetConformance(MemcachedSetFixture fixture) : SessionStoreConformanceTests<MemcachedSetFixture>(fixture);

public sealed class MemcachedFailureConformance(MemcachedFixture fixture) : FailureConformanceTests<MemcachedFixture>(fixture);

public sealed class MemcachedSetFailureConformance(MemcachedSetFixture fixture) : FailureConformanceTests<MemcachedSetFixture>(fixture);

public sealed class MemcachedCorruptDataConformance(MemcachedFixture fixture) : CorruptDataConformanceTests<MemcachedFixture>(fixture);

public sealed class MemcachedSetCorruptDataConformance(MemcachedSetFixture fixture) : CorruptDataConformanceTests<MemcachedSetFixture>(fixture);

public sealed class MemcachedRegistrationConformance : RegistrationConformanceTests<MemcachedSessionStore, MemcachedSessionStoreOptions>
{
    protected override IEnumerable<(string Option, Action<MemcachedSessionStoreOptions> Break)> InvalidOptions =>
    [
        ("ConnectionString", o => o.ConnectionString = null),
        ("ConnectionString", o => o.ConnectionString = "127.0.0.1:0"),
        ("ConnectionString", o => o.ConnectionString = "a:11211,a:11211"),
        ("KeyPrefix", o => o.KeyPrefix = string.Empty),
        ("KeyPrefix", o => o.KeyPrefix = "1sessions"),
        ("MaxItemBytes", o => o.MaxItemBytes = 1023),
        ("ConnectionsPerServer", o => o.ConnectionsPerServer = 0),
        ("ConnectTimeout", o => o.ConnectTimeout = TimeSpan.Zero),
        ("DeadServerRetryInterval", o => o.DeadServerRetryInterval = TimeSpan.FromMilliseconds(99)),
    ];

    protected override async ValueTask<Action<MemcachedSessionStoreOptions>> ValidOptionsAsync(CancellationToken cancellationToken)
    {
        var connectionString = await new MemcachedFixture().ConnectionStringAsync();
        var prefix = "reg_" + Guid.NewGuid().ToString("N");
        return o =>
        {
            o.ConnectionString = connectionString;
            o.KeyPrefix = prefix;
        };
    }

    protected override void Register(IServiceCollection services, Action<MemcachedSessionStoreOptions> configure) =>
        services.AddMemcachedSessionStore(configure);

    protected override MemcachedSessionStore Create(MemcachedSessionStoreOptions options) => new(options);
}

public sealed class MemcachedSilentServerConformance : SilentServerConformanceTests
{
    protected override string DisplayName => "Memcached";

    protected override ISessionStore CreateStore(int port, TimeSpan operationTimeout) => new MemcachedSessionStore(new MemcachedSessionStoreOptions
    {
        ConnectionString = $"127.0.0.1:{port}",
        OperationTimeout = operationTimeout,
        ConnectTimeout = TimeSpan.FromSeconds(30),
    });
}
