using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.Conformance;

namespace SessionStores.Memcached.Tests;

// The shared suites, one sealed subclass each, nothing else. TODO(store): where they apply, add
// StalledBackendConformanceTests (a fixture on a server of its own that tests/TestServers can stall) and
// LeaseHolderProcessConformanceTests (a lease holder in tests/Stores.LeaseHolderWorker).
public sealed class MemcachedConformance(MemcachedFixture fixture) : SessionStoreConformanceTests<MemcachedFixture>(fixture);

public sealed class MemcachedFailureConformance(MemcachedFixture fixture) : FailureConformanceTests<MemcachedFixture>(fixture);

public sealed class MemcachedCorruptDataConformance(MemcachedFixture fixture) : CorruptDataConformanceTests<MemcachedFixture>(fixture);

public sealed class MemcachedLeaseConformance(MemcachedFixture fixture) : LeaseConformanceTests<MemcachedFixture>(fixture);

public sealed class MemcachedRegistrationConformance : RegistrationConformanceTests<MemcachedSessionStore, MemcachedSessionStoreOptions>
{
    protected override IEnumerable<(string Option, Action<MemcachedSessionStoreOptions> Break)> InvalidOptions =>
    [
        ("ConnectionString", o => o.ConnectionString = null),
        ("Namespace", o => o.Namespace = string.Empty),
        ("Namespace", o => o.Namespace = "1sessions"),
        ("PruneInterval", o => o.PruneInterval = TimeSpan.Zero),
        ("PruneBatchSize", o => o.PruneBatchSize = 0),
        ("PruneBatchSize", o => o.PruneBatchSize = MemcachedSessionStoreOptions.MaxPruneBatchSize + 1),
    ];

    protected override async ValueTask<Action<MemcachedSessionStoreOptions>> ValidOptionsAsync(CancellationToken cancellationToken)
    {
        var connectionString = await MemcachedFixture.ConnectionStringAsync();
        var @namespace = "reg_" + Guid.NewGuid().ToString("N");
        return o =>
        {
            o.ConnectionString = connectionString;
            o.Namespace = @namespace;
        };
    }

    protected override void Register(IServiceCollection services, Action<MemcachedSessionStoreOptions> configure) =>
        services.AddMemcachedSessionStore(configure);

    protected override MemcachedSessionStore Create(MemcachedSessionStoreOptions options) => new(options);
}
