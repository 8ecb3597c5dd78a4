using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Conformance;

/// <summary>
/// Creates stores for the conformance suite. A store author implements this once (usually a few lines around a shared
/// server) and subclasses <see cref="SessionStoreConformanceTests{TFixture}"/> with it.
/// </summary>
/// <remarks>
/// Used as an xunit class fixture. When the backend cannot be reached, call
/// <see cref="BackendResolution.EnsureAvailable"/> (or <c>Assert.Skip</c>) from <see cref="CreateStoreAsync"/>: the
/// test is then skipped with the reason, or fails when the backend is listed as required.
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
    /// <param name="options">The options the store was created with (its namespace).</param>
    /// <param name="id">The session id.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the record is written.</returns>
    ValueTask WriteCorruptRecordAsync(ConformanceStoreOptions options, string id, CancellationToken cancellationToken);
}

/// <summary>A fixture that can create a store whose backend cannot be reached (a closed port, short timeouts); it unlocks
/// <see cref="FailureConformanceTests{TFixture}"/>. Stores without a backend to lose (in-memory, a local directory)
/// leave it out.</summary>
public interface IUnreachableBackendFixture : ISessionStoreFixture
{
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
}
