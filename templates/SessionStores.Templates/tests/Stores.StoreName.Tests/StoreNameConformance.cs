using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.Conformance;

namespace SessionStores.StoreName.Tests;

// The shared suites, one sealed subclass each, nothing else. TODO(store): where they apply, add
// StalledBackendConformanceTests (a fixture on a server of its own that tests/TestServers can stall) and
// LeaseHolderProcessConformanceTests (a lease holder in tests/Stores.LeaseHolderWorker).
public sealed class StoreNameConformance(StoreNameFixture fixture) : SessionStoreConformanceTests<StoreNameFixture>(fixture);

public sealed class StoreNameFailureConformance(StoreNameFixture fixture) : FailureConformanceTests<StoreNameFixture>(fixture);

public sealed class StoreNameCorruptDataConformance(StoreNameFixture fixture) : CorruptDataConformanceTests<StoreNameFixture>(fixture);

public sealed class StoreNameLeaseConformance(StoreNameFixture fixture) : LeaseConformanceTests<StoreNameFixture>(fixture);

public sealed class StoreNameRegistrationConformance : RegistrationConformanceTests<StoreNameSessionStore, StoreNameSessionStoreOptions>
{
    protected override IEnumerable<(string Option, Action<StoreNameSessionStoreOptions> Break)> InvalidOptions =>
    [
        ("ConnectionString", o => o.ConnectionString = null),
        ("Namespace", o => o.Namespace = string.Empty),
        ("Namespace", o => o.Namespace = "1sessions"),
        ("PruneInterval", o => o.PruneInterval = TimeSpan.Zero),
        ("PruneBatchSize", o => o.PruneBatchSize = 0),
        ("PruneBatchSize", o => o.PruneBatchSize = StoreNameSessionStoreOptions.MaxPruneBatchSize + 1),
    ];

    protected override async ValueTask<Action<StoreNameSessionStoreOptions>> ValidOptionsAsync(CancellationToken cancellationToken)
    {
        var connectionString = await StoreNameFixture.ConnectionStringAsync();
        var @namespace = "reg_" + Guid.NewGuid().ToString("N");
        return o =>
        {
            o.ConnectionString = connectionString;
            o.Namespace = @namespace;
        };
    }

    protected override void Register(IServiceCollection services, Action<StoreNameSessionStoreOptions> configure) =>
        services.AddStoreNameSessionStore(configure);

    protected override StoreNameSessionStore Create(StoreNameSessionStoreOptions options) => new(options);
}
