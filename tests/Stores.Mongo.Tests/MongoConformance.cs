using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.Conformance;
using Xunit;

namespace SessionStores.Mongo.Tests;

public sealed class MongoConformance(MongoFixture fixture) : SessionStoreConformanceTests<MongoFixture>(fixture);

public sealed class MongoCorruptDataConformance(MongoFixture fixture) : CorruptDataConformanceTests<MongoFixture>(fixture);

public sealed class MongoFailureConformance(MongoFixture fixture) : FailureConformanceTests<MongoFixture>(fixture);

public sealed class MongoRegistrationTests(MongoFixture fixture)
    : RegistrationConformanceTests<MongoSessionStore, MongoSessionStoreOptions>, IClassFixture<MongoFixture>
{
    protected override IEnumerable<(string Option, Action<MongoSessionStoreOptions> Break)> InvalidOptions =>
    [
        ("ConnectionString", o => { o.Client = null; o.ConnectionString = null; }),
        ("DatabaseName", o => o.DatabaseName = ""),
        ("DatabaseName", o => o.DatabaseName = "bad.name"),
        ("CollectionName", o => o.CollectionName = ""),
        ("CollectionName", o => o.CollectionName = "has$dollar"),
        ("CollectionName", o => o.CollectionName = "system.sessions"),
        ("MaxDataBytes", o => o.MaxDataBytes = MongoSessionStoreOptions.MaxSupportedDataBytes + 1),
    ];

    protected override ValueTask<Action<MongoSessionStoreOptions>> ValidOptionsAsync(CancellationToken cancellationToken) => fixture.OptionsAsync();

    // No server needed: the options are only validated.
    protected override ValueTask<Action<MongoSessionStoreOptions>> OptionsWithoutBackendAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<Action<MongoSessionStoreOptions>>(o => o.ConnectionString = MongoFixture.Unreachable);

    protected override void Register(IServiceCollection services, Action<MongoSessionStoreOptions> configure) => services.AddMongoSessionStore(configure);

    protected override MongoSessionStore Create(MongoSessionStoreOptions options) => new(options);
}

public sealed class MongoSilentServerConformance : SilentServerConformanceTests
{
    protected override string DisplayName => "MongoDB";

    // Explicit driver timeouts win over the ones the store derives: only OperationTimeout can end the wait.
    protected override ISessionStore CreateStore(int port, TimeSpan operationTimeout) => new MongoSessionStore(new MongoSessionStoreOptions
    {
        ConnectionString = $"mongodb://127.0.0.1:{port}/?serverSelectionTimeoutMS=60000&connectTimeoutMS=60000",
        CollectionName = "c",
        OperationTimeout = operationTimeout,
    });
}
