namespace SessionStores.AspNetCore;

/// <summary>How requests that carry the same session id are coordinated (<see cref="StoreBackedSessionOptions.Concurrency"/>).</summary>
public enum SessionConcurrency
{
    /// <summary>
    /// Within one process, requests of one session that may write run one after another, in arrival order (a keyed
    /// async gate, taken when the session loads and released once its commit is stored); read-only requests
    /// (<see cref="ReadOnlySessionAttribute"/>) never wait. So in one process every commit finds the version it loaded:
    /// no merge, no conflict, no 409. Across processes, commits are compare-and-sets; commuting changes (different keys)
    /// always merge, and a change of the same key made by another process in between answers 409. The default.
    /// </summary>
    Serialized = 0,

    /// <summary>
    /// No coordination: every request loads and commits on its own, and a commit that finds a newer version merges
    /// (<see cref="StoreBackedSessionOptions.ConflictPolicy"/>): different keys always merge, with backoff and jitter until
    /// the commit deadline; the same key changed by both answers 409. The cheapest mode for sessions that are rarely
    /// written by parallel requests.
    /// </summary>
    Optimistic = 1,

    /// <summary>
    /// <see cref="Serialized"/> in the process, plus a short lease in the store (<see cref="ISessionStore"/> must also be an
    /// <see cref="ISessionLeaseStore"/>), so requests of one session that may write run one at a time across every app
    /// instance. Waiting is woken by the store when the lease is released; a lease whose holder died expires after
    /// <see cref="StoreBackedSessionOptions.LeaseDuration"/>. Costs two store round trips per writing request (take,
    /// release) on top of load and commit.
    /// </summary>
    Exclusive = 2,
}
