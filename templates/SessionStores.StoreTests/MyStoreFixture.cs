using SessionStores;
using SessionStores.Conformance;
using SessionStores.Memory;

namespace MyStore.Tests;

/// <summary>
/// Creates the stores the conformance kit tests. It starts with the in-memory store so that the project passes as
/// generated: replace <see cref="MemorySessionStore"/> with your store (search for TODO), one fresh namespace per call.
/// </summary>
public sealed class MyStoreFixture : IClockFixture, IBackendInspectionFixture, IUnreachableBackendFixture
{
    /// <summary>Every rule; leave out a flag your storage format cannot keep (its tests then skip with the reason).</summary>
    public ConformanceCapabilities Capabilities => ConformanceCapabilities.All;

    /// <summary>A store working in the fresh namespace <see cref="ConformanceStoreOptions.Namespace"/> (a key prefix,
    /// table or directory of your backend), with the limit and clock the test asks for.</summary>
    public ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        // TODO: new YourSessionStore(...) in options.Namespace, with options.MaxDataBytes and options.Clock.
        ValueTask.FromResult<ISessionStore>(new MemorySessionStore(new MemorySessionStoreOptions { MaxDataBytes = options.MaxDataBytes }, options.Clock));

    /// <summary>How many records your backend holds in the namespace, expired or not, read behind the store's back:
    /// the kit checks with it that the store removes expired records itself.</summary>
    public ValueTask<long> CountHeldRecordsAsync(ISessionStore store, ConformanceStoreOptions options, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        // TODO: count your backend's records (a SELECT COUNT(*) without the expiry filter, a file listing, key lookups of ids).
        ValueTask.FromResult<long>(((MemorySessionStore)store).EntryCount);

    /// <summary>Runs the cleanup your store runs on its own timer (nothing, when the backend expires records itself).</summary>
    public async ValueTask RunCleanupAsync(ISessionStore store, ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        // TODO: your store's pruning pass.
        await ((MemorySessionStore)store).PruneAsync(cancellationToken);

    /// <summary>The in-memory store has no backend to lose, so the failure tests skip with this reason. For a server,
    /// return null and point <see cref="CreateUnreachableStoreAsync"/> at a port nothing listens on; for local files,
    /// at a path that cannot be opened.</summary>
    public string? NoUnreachableBackendReason => "the in-memory store keeps its data in the process"; // TODO: null

    /// <summary>A store pointed at a backend that does not answer, with timeouts of a few seconds at most.</summary>
    public ValueTask<ISessionStore> CreateUnreachableStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        throw new NotSupportedException(NoUnreachableBackendReason); // TODO: your store, pointed at 127.0.0.1:<a closed port>.
}
