using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.Conformance;

namespace SessionStores.MySql.Tests;

// The shared suites, one sealed subclass each, nothing else. TODO(store): where they apply, add
// StalledBackendConformanceTests (a fixture on a server of its own that tests/TestServers can stall) and
// LeaseHolderProcessConformanceTests (a lease holder in tests/Stores.LeaseHolderWorker).
public sealed class MySqlConformance(MySqlFixture fixture) : SessionStoreConformanceTests<MySqlFixture>(fixture);

public sealed class MySqlFailureConformance(MySqlFixture fixture) : FailureConformanceTests<MySqlFixture>(fixture);

public sealed class MySqlCorruptDataConformance(MySqlFixture fixture) : CorruptDataConformanceTests<MySqlFixture>(fixture);

public sealed class MySqlLeaseConformance(MySqlFixture fixture) : LeaseConformanceTests<MySqlFixture>(fixture);

public sealed class MySqlRegistrationConformance : RegistrationConformanceTests<MySqlSessionStore, MySqlSessionStoreOptions>
{
    protected override IEnumerable<(string Option, Action<MySqlSessionStoreOptions> Break)> InvalidOptions =>
    [
        ("ConnectionString", o => o.ConnectionString = null),
        ("Namespace", o => o.Namespace = string.Empty),
        ("Namespace", o => o.Namespace = "1sessions"),
        ("PruneInterval", o => o.PruneInterval = TimeSpan.Zero),
        ("PruneBatchSize", o => o.PruneBatchSize = 0),
        ("PruneBatchSize", o => o.PruneBatchSize = MySqlSessionStoreOptions.MaxPruneBatchSize + 1),
    ];

    protected override async ValueTask<Action<MySqlSessionStoreOptions>> ValidOptionsAsync(CancellationToken cancellationToken)
    {
        var connectionString = await MySqlFixture.ConnectionStringAsync();
        var @namespace = "reg_" + Guid.NewGuid().ToString("N");
        return o =>
        {
            o.ConnectionString = connectionString;
            o.Namespace = @namespace;
        };
    }

    protected override void Register(IServiceCollection services, Action<MySqlSessionStoreOptions> configure) =>
        services.AddMySqlSessionStore(configure);

    protected override MySqlSessionStore Create(MySqlSessionStoreOptions options) => new(options);
}
