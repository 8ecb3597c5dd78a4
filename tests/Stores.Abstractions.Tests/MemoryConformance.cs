using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.Conformance;
using SessionStores.Memory;

namespace SessionStores.Abstractions.Tests;

// The shared suites, run against the in-memory store. It runs neither the failure nor the stalled-backend suite: it has
// no backend to lose or stop.
public sealed class MemoryConformance(MemoryFixture fixture) : SessionStoreConformanceTests<MemoryFixture>(fixture);

public sealed class MemoryFakeClockConformance(MemoryFixture fixture) : FakeClockConformanceTests<MemoryFixture>(fixture);

public sealed class MemoryLeaseConformance(MemoryFixture fixture) : LeaseConformanceTests<MemoryFixture>(fixture);

// The constructor once refused a PruneInterval of 24 days or more that dependency injection accepted: one validator now
// serves both, and the 60-day case below shows they agree.
public sealed class MemoryRegistrationTests : RegistrationConformanceTests<MemorySessionStore, MemorySessionStoreOptions>
{
    protected override IEnumerable<(string Option, Action<MemorySessionStoreOptions> Break)> InvalidOptions =>
    [
        ("MaxSessions", o => o.MaxSessions = 0),
        ("MaxSessions", o => o.MaxSessions = -1),
        ("PruneInterval", o => o.PruneInterval = TimeSpan.Zero),
        ("PruneInterval", o => o.PruneInterval = TimeSpan.FromDays(60)),
        ("PruneBatchSize", o => o.PruneBatchSize = 0),
    ];

    protected override ValueTask<Action<MemorySessionStoreOptions>> ValidOptionsAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<Action<MemorySessionStoreOptions>>(_ => { });

    protected override void Register(IServiceCollection services, Action<MemorySessionStoreOptions> configure) => services.AddMemorySessionStore(configure);

    protected override MemorySessionStore Create(MemorySessionStoreOptions options) => new(options);
}
