using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Conformance;

/// <summary>
/// A fixture that can look at the raw backend behind the store's back, to show that the store removes expired records
/// itself (<see cref="ConformanceCapabilities.RemovesExpiredRecords"/>): a store that hides expired records from reads
/// but never deletes them passes every other rule and still fills its backend without end.
/// </summary>
/// <remarks>
/// The rule's test writes a short-lived and a long-lived session, checks that the backend holds both, waits past the
/// short one's expiry, calls <see cref="RunCleanupAsync"/> and checks that the backend holds only the long-lived one.
/// </remarks>
public interface IBackendInspectionFixture : ISessionStoreFixture
{
    /// <summary>
    /// Counts the records the backend holds for the store's namespace, expired or not, read directly from the backend
    /// (a file listing, a <c>SELECT COUNT(*)</c> without the expiry filter, a key lookup). A backend that can only look
    /// records up one by one (a cache without key listing) counts those of <paramref name="ids"/>, the ids the test
    /// wrote; others may ignore them. Leases and indexes are not records.
    /// </summary>
    /// <param name="store">The store, as <see cref="ISessionStoreFixture.CreateStoreAsync"/> returned it.</param>
    /// <param name="options">The options it was created with (its namespace).</param>
    /// <param name="ids">The ids the test wrote.</param>
    /// <param name="cancellationToken">Cancels the look.</param>
    /// <returns>The number of records held.</returns>
    ValueTask<long> CountHeldRecordsAsync(ISessionStore store, ConformanceStoreOptions options, IReadOnlyCollection<string> ids, CancellationToken cancellationToken);

    /// <summary>
    /// Stands in for waiting the store's cleanup interval: runs the pass the store's own timer runs (its public prune
    /// method, say). A backend that removes expired records itself (Redis or Memcached TTLs) does nothing here, or
    /// waits for the backend's own sweep (bounded: a few seconds).
    /// </summary>
    /// <param name="store">The store.</param>
    /// <param name="options">The options it was created with.</param>
    /// <param name="cancellationToken">Cancels the pass.</param>
    /// <returns>A task that completes when the pass has run.</returns>
    ValueTask RunCleanupAsync(ISessionStore store, ConformanceStoreOptions options, CancellationToken cancellationToken);
}
