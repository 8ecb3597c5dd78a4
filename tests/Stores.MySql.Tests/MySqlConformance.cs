using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.Conformance;

namespace SessionStores.MySql.Tests;

// The shared suites, one sealed subclass each, nothing else.
public sealed class MySqlConformance(MySqlFixture fixture) : SessionStoreConformanceTests<MySqlFixture>(fixture);

public sealed class MySqlFailureConformance(MySqlFixture fixture) : FailureConformanceTests<MySqlFixture>(fixture);

public sealed class MySqlCorruptDataConformance(MySqlFixture fixture) : CorruptDataConformanceTests<MySqlFixture>(fixture);

public sealed class MySqlLeaseConformance(MySqlFixture fixture) : LeaseConformanceTests<MySqlFixture>(fixture);

public sealed class MySqlLeaseHolderProcessConformance(MySqlFixture fixture) : LeaseHolderProcessConformanceTests<MySqlFixture>(fixture);

public sealed class MySqlStalledBackendConformance(MySqlStallableFixture fixture) : StalledBackendConformanceTests<MySqlStallableFixture>(fixture);

public sealed class MySqlRegistrationConformance : RegistrationConformanceTests<MySqlSessionStore, MySqlSessionStoreOptions>
{
    protected override IEnumerable<(string Option, Action<MySqlSessionStoreOptions> Break)> InvalidOptions =>
    [
        ("ConnectionString", o => o.ConnectionString = null),
        ("ConnectionString", o => o.ConnectionString = "Server=127.0.0.1;NoSuchKeyword=1"),
        ("TableName", o => o.TableName = string.Empty),
        ("TableName", o => o.TableName = "1sessions"),
        ("TableName", o => o.TableName = "sessions`; DROP TABLE x"),
        ("TableName", o => o.TableName = new string('t', MySqlSessionStoreOptions.MaxTableNameLength + 1)),
        ("PruneInterval", o => o.PruneInterval = TimeSpan.Zero),
        ("PruneBatchSize", o => o.PruneBatchSize = 0),
        ("PruneBatchSize", o => o.PruneBatchSize = MySqlSessionStoreOptions.MaxPruneBatchSize + 1),
    ];

    protected override async ValueTask<Action<MySqlSessionStoreOptions>> ValidOptionsAsync(CancellationToken cancellationToken)
    {
        var connectionString = await MySqlFixture.ConnectionStringAsync();
        var table = "reg_" + Guid.NewGuid().ToString("N");
        return o =>
        {
            o.ConnectionString = connectionString;
            o.TableName = table;
            o.EnablePruning = false;
        };
    }

    protected override void Register(IServiceCollection services, Action<MySqlSessionStoreOptions> configure) =>
        services.AddMySqlSessionStore(configure);

    protected override MySqlSessionStore Create(MySqlSessionStoreOptions options) => new(options);
}
