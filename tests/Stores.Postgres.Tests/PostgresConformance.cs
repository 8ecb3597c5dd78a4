using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.Conformance;

namespace SessionStores.Postgres.Tests;

public sealed class PostgresConformance(PostgresFixture fixture) : SessionStoreConformanceTests<PostgresFixture>(fixture);

public sealed class PostgresCorruptDataConformance(PostgresFixture fixture) : CorruptDataConformanceTests<PostgresFixture>(fixture);

public sealed class PostgresFailureConformance(PostgresFixture fixture) : FailureConformanceTests<PostgresFixture>(fixture);

public sealed class PostgresLeaseConformance(PostgresFixture fixture) : LeaseConformanceTests<PostgresFixture>(fixture);

public sealed class PostgresLeaseHolderProcessConformance(PostgresFixture fixture) : LeaseHolderProcessConformanceTests<PostgresFixture>(fixture);

public sealed class PostgresStalledBackendConformance(PostgresStallableFixture fixture) : StalledBackendConformanceTests<PostgresStallableFixture>(fixture);

public sealed class PostgresRegistrationTests : RegistrationConformanceTests<PostgresSessionStore, PostgresSessionStoreOptions>
{
    protected override IEnumerable<(string Option, Action<PostgresSessionStoreOptions> Break)> InvalidOptions
    {
        get
        {
            yield return ("ConnectionString", o => o.ConnectionString = null);
            yield return ("TableName must not be empty", o => o.TableName = string.Empty);
            yield return ("TableName must be at most 50 bytes", o => o.TableName = new string('t', 51));
            yield return ("SchemaName must be at most 63 bytes", o => o.SchemaName = new string('s', 64));
            yield return ("TouchWriteThreshold", o => o.TouchWriteThreshold = TimeSpan.FromSeconds(-1));
            yield return ("PruneInterval", o =>
            {
                o.EnablePruning = true;
                o.PruneInterval = TimeSpan.Zero;
            });
            yield return ("PruneBatchSize", o => o.PruneBatchSize = 0);
            yield return ("PruneBatchDelay", o => o.PruneBatchDelay = TimeSpan.FromMilliseconds(-1));

            // The names reach log lines and messages, where a control character could forge a line.
            foreach (var name in new[] { "a\nb", "a\0b", "\u0085x", "x\u007f" })
            {
                yield return ("TableName must not contain control characters", o => o.TableName = name);
                yield return ("SchemaName must not contain control characters", o => o.SchemaName = name);
            }
        }
    }

    protected override async ValueTask<Action<PostgresSessionStoreOptions>> ValidOptionsAsync(CancellationToken cancellationToken)
    {
        var connectionString = await PostgresFixture.ConnectionStringAsync();
        var table = Db.NewName("reg");
        return o =>
        {
            o.ConnectionString = connectionString;
            o.SchemaName = PostgresFixture.Schema;
            o.TableName = table;
            o.EnablePruning = false;
        };
    }

    protected override void Register(IServiceCollection services, Action<PostgresSessionStoreOptions> configure) => services.AddPostgresSessionStore(configure);

    protected override PostgresSessionStore Create(PostgresSessionStoreOptions options) => new(options);
}
