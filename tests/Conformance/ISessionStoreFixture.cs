using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Conformance;

/// <summary>
/// Creates stores for the conformance suite. A store author implements this once (usually a few lines around a shared
/// server) and subclasses <see cref="SessionStoreConformanceTests{TFixture}"/> with it.
/// </summary>
/// <remarks>
/// Used as an xunit class fixture. When the backend cannot be reached where the tests run, call <c>Assert.Skip</c>
/// (or <c>Assert.Fail</c>, where the backend is required) from <see cref="CreateStoreAsync"/> with the reason.
/// </remarks>
public interface ISessionStoreFixture
{
    /// <summary>
    /// Creates a store working in the fresh, empty namespace <see cref="ConformanceStoreOptions.Namespace"/> (a key
    /// prefix, table, collection or directory, as the store defines it). Every call gets a namespace no other call
    /// uses, so tests run in parallel. The suite disposes the store after the test when it is disposable.
    /// </summary>
    /// <param name="options">The namespace and the settings the test needs.</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <returns>The store.</returns>
    ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// The rules the store supports. A store whose storage format cannot keep one of them (a compatibility mode for
    /// another ecosystem's format, say) leaves its flag out, and the tests of that rule are skipped with the reason.
    /// Default: <see cref="ConformanceCapabilities.All"/>; every store of this repository supports everything.
    /// </summary>
    ConformanceCapabilities Capabilities => ConformanceCapabilities.All;

    /// <summary>
    /// What the store's storage format imposes on the sessions it holds (JSON-only data, expiry taken from the data): the
    /// kit writes data the format can hold and skips exactly the rules it cannot keep, with the reason. Default:
    /// <see cref="ConformanceFormatLimits.None"/>; every native store of this repository has none.
    /// </summary>
    ConformanceFormatLimits FormatLimits => ConformanceFormatLimits.None;
}

/// <summary>Rules of the contract that a storage format may be unable to support (see
/// <see cref="ISessionStoreFixture.Capabilities"/>). Everything else is required of every store.</summary>
[Flags]
public enum ConformanceCapabilities
{
    /// <summary>Only the rules every store must keep.</summary>
    None = 0,

    /// <summary>Sessions carry a subject; List, Count and DestroyMany by subject find exactly its live sessions (with
    /// <see cref="Listing"/>; a store that cannot list keeps the subject with the session only).</summary>
    Subjects = 1,

    /// <summary>Versions start at 1 and grow by 1 per write; <see cref="SessionWrite.ExpectedVersion"/> makes a
    /// compare-and-set.</summary>
    CompareAndSet = 2,

    /// <summary>Expiry is kept to the millisecond, never rounded to whole seconds. A store without it rounds TTLs up to
    /// whole seconds and may keep a session up to <see cref="ConformanceTestBase{TFixture}.WholeSecondExpirySlack"/>
    /// past its TTL, never less: the expiry tests then wait that much longer instead of being skipped.</summary>
    MillisecondExpiry = 4,

    /// <summary>List, Count and DestroyMany of the whole namespace.</summary>
    Listing = 8,

    /// <summary>The store removes expired records from its backend itself (a pruning pass on a timer, or the backend's
    /// own TTL), so that a backend never fills with sessions nobody will read again. The fixture shows it through
    /// <see cref="IBackendInspectionFixture"/>; a fixture that declares this flag without implementing that interface
    /// fails the rule's test, so the choice is explicit.</summary>
    RemovesExpiredRecords = 16,

    /// <summary>Every rule.</summary>
    All = Subjects | CompareAndSet | MillisecondExpiry | Listing | RemovesExpiredRecords,
}

/// <summary>A fixture whose stores take their clock from <see cref="ConformanceStoreOptions.Clock"/> (in-memory and file
/// stores); it unlocks <see cref="FakeClockConformanceTests{TFixture}"/>.</summary>
public interface IClockFixture : ISessionStoreFixture
{
}

/// <summary>A fixture that can plant an undecodable record in a store's namespace; it unlocks
/// <see cref="CorruptDataConformanceTests{TFixture}"/>.</summary>
public interface ICorruptDataFixture : ISessionStoreFixture
{
    /// <summary>
    /// Writes, behind the store's back, a record under <paramref name="id"/> that the store cannot decode (for example
    /// garbage bytes in a file, a Redis key of the wrong type, a row with an impossible value). The record must look
    /// live to the backend (not expired).
    /// </summary>
    /// <param name="store">The store, as <see cref="ISessionStoreFixture.CreateStoreAsync"/> returned it: cast it to the
    /// store's own type to reach its public connection, table or directory; nothing internal is needed.</param>
    /// <param name="options">The options the store was created with (its namespace).</param>
    /// <param name="id">The session id.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the record is written.</returns>
    ValueTask WriteCorruptRecordAsync(ISessionStore store, ConformanceStoreOptions options, string id, CancellationToken cancellationToken);
}

/// <summary>
/// A fixture that can create a store whose backend cannot be reached; it unlocks
/// <see cref="FailureConformanceTests{TFixture}"/>. "Unreachable" means: for a server, nothing answers (a closed port,
/// short timeouts); for an embedded store over local files (a directory, a SQLite file), its path cannot be opened
/// (this repository's File fixture replaces the directory by a symbolic link to itself, so every access fails with a
/// real I/O error). A store with nothing to lose (in-memory) leaves the interface out, or implements it and returns
/// a reason from <see cref="NoUnreachableBackendReason"/>: the suite's tests then skip with that reason.
/// </summary>
public interface IUnreachableBackendFixture : ISessionStoreFixture
{
    /// <summary>Why the store has no backend that can become unreachable (an embedded store whose data never leaves
    /// the process, say), or <see langword="null"/> (the default) when it has one. When set, the failure tests skip
    /// with this reason and <see cref="CreateUnreachableStoreAsync"/> is never called.</summary>
    string? NoUnreachableBackendReason => null;

    /// <summary>
    /// Creates a store configured for <paramref name="options"/> but pointed at a backend that does not answer, with
    /// timeouts of at most a few seconds. It must not need a running server.
    /// </summary>
    /// <param name="options">The namespace and settings.</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <returns>The store.</returns>
    ValueTask<ISessionStore> CreateUnreachableStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken);
}

/// <summary>What a test asks of <see cref="ISessionStoreFixture.CreateStoreAsync"/>.</summary>
public sealed record ConformanceStoreOptions
{
    /// <summary>Creates options for a namespace.</summary>
    /// <param name="namespace">The namespace: 1 to 40 characters from <c>[a-z0-9_]</c>, starting with a letter.</param>
    public ConformanceStoreOptions(string @namespace)
    {
        Namespace = @namespace;
    }

    /// <summary>The namespace the store must work in: 1 to 40 characters from <c>[a-z0-9_]</c>, starting with a letter.</summary>
    public string Namespace { get; }

    /// <summary>The store's <see cref="SessionStoreOptions.MaxDataBytes"/>.</summary>
    public int MaxDataBytes { get; init; } = SessionLimits.DefaultMaxDataBytes;

    /// <summary>The clock, for fixtures implementing <see cref="IClockFixture"/>; <see langword="null"/> means the system clock.</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>The store's <see cref="SessionStoreOptions.OperationTimeout"/>; <see langword="null"/> leaves the store's
    /// default. Fixtures implementing <see cref="IStallableBackendFixture"/> must apply it.</summary>
    public TimeSpan? OperationTimeout { get; init; }
}
