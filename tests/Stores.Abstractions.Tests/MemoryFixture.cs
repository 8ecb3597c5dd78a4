using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using SessionStores.Memory;

namespace SessionStores.Abstractions.Tests;

/// <summary>Each in-memory store instance is its own namespace.</summary>
public sealed class MemoryFixture : IClockFixture
{
    public ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISessionStore>(new MemorySessionStore(new MemorySessionStoreOptions { MaxDataBytes = options.MaxDataBytes }, options.Clock));
}
