using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using SessionStores.Memory;

namespace SessionStores.Abstractions.Tests;

/// <summary>Each in-memory store instance is its own namespace; its backend is its own dictionary, which
/// <see cref="MemorySessionStore.EntryCount"/> counts, expired entries included.</summary>
public sealed class MemoryFixture : IClockFixture, IBackendInspectionFixture
{
    public ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISessionStore>(new MemorySessionStore(new MemorySessionStoreOptions { MaxDataBytes = options.MaxDataBytes }, options.Clock));

    public ValueTask<long> CountHeldRecordsAsync(ISessionStore store, ConformanceStoreOptions options, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        ValueTask.FromResult<long>(((MemorySessionStore)store).EntryCount);

    public async ValueTask RunCleanupAsync(ISessionStore store, ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        await ((MemorySessionStore)store).PruneAsync(cancellationToken);
}
