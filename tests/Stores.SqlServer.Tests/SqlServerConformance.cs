using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.Conformance;
using Xunit;

namespace SessionStores.SqlServer.Tests;

public sealed class SqlServerConformance(SqlServerFixture fixture) : SessionStoreConformanceTests<SqlServerFixture>(fixture);

public sealed class SqlServerCorruptDataConformance(SqlServerFixture fixture) : CorruptDataConformanceTests<SqlServerFixture>(fixture);

public sealed class SqlServerFailureConformance(SqlServerFixture fixture) : FailureConformanceTests<SqlServerFixture>(fixture);

public sealed class SqlServerRegistrationTests(SqlServerFixture fixture)
    : RegistrationConformanceTests<SqlServerSessionStore, SqlServerSessionStoreOptions>, IClassFixture<SqlServerFixture>
{
    protected override IEnumerable<(string Option, Action<SqlServerSessionStoreOptions> Break)> InvalidOptions =>
    [
        ("ConnectionString", o => { o.ConnectionString = null; o.ConnectionFactory = null; }),
        ("TableName", o => o.TableName = ""),
        ("TableName", o => o.TableName = new string('t', 101)),
        ("SchemaName", o => o.SchemaName = "bad\u0001"),
        ("PruneBatchSize", o => o.PruneBatchSize = 5_000),
        ("PruneInterval", o => o.PruneInterval = TimeSpan.Zero),
        ("PruneInterval", o => o.PruneInterval = TimeSpan.FromDays(60)),
        ("CommandTimeout", o => o.CommandTimeout = TimeSpan.Zero),
    ];

    protected override ValueTask<Action<SqlServerSessionStoreOptions>> ValidOptionsAsync(CancellationToken cancellationToken) => fixture.OptionsAsync();

    // No server needed: the options are only validated.
    protected override ValueTask<Action<SqlServerSessionStoreOptions>> OptionsWithoutBackendAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<Action<SqlServerSessionStoreOptions>>(o => { o.ConnectionString = SqlServerFixture.Unreachable; o.PruneInterval = null; });

    protected override void Register(IServiceCollection services, Action<SqlServerSessionStoreOptions> configure) => services.AddSqlServerSessionStore(configure);

    protected override SqlServerSessionStore Create(SqlServerSessionStoreOptions options) => new(options);
}

public sealed class SqlServerSilentServerConformance : SilentServerConformanceTests
{
    protected override string DisplayName => "SQL Server";

    protected override ISessionStore CreateStore(int port, TimeSpan operationTimeout) => new SqlServerSessionStore(new SqlServerSessionStoreOptions
    {
        ConnectionString = $"Server=127.0.0.1,{port};User Id=sa;Password=x;Connect Timeout=60;Encrypt=false",
        PruneInterval = null,
        OperationTimeout = operationTimeout,
    });
}
