using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores;

/// <summary>
/// Stores server-side web sessions. Every implementation keeps the rules below; the conformance kit
/// (<c>SessionStores.Conformance</c>) has a test for each sentence.
/// </summary>
/// <remarks>
/// <para>Implementations are async-only, thread-safe and meant to be registered as singletons.</para>
/// <para><b>Expired is absent.</b> A session whose expiry has passed behaves exactly like one that never existed, for
/// every operation, however late the backend's own cleanup runs: <see cref="GetAsync"/> returns <see langword="null"/>,
/// <see cref="TouchAsync"/> and <see cref="DestroyAsync"/> return <see langword="false"/>, its version is 0, and
/// <see cref="ListAsync"/>, <see cref="CountAsync"/> and <see cref="DestroyManyAsync"/> neither show nor count it.
/// Where a database server exists, the server's clock decides expiry; the in-memory and file stores use a
/// <see cref="TimeProvider"/>.</para>
/// <para><b>Ids</b> are 1 to <see cref="SessionLimits.MaxIdLength"/> characters from <c>[A-Za-z0-9._~-]</c>, compared
/// ordinally (case-sensitive). Any other id is rejected by <see cref="SessionValidation.ValidateId"/> with an
/// <see cref="ArgumentException"/> before any I/O, so no id can reach outside the store's namespace.</para>
/// <para><b>TTLs</b> must be greater than zero and at most <see cref="SessionLimits.MaxTtl"/>, otherwise
/// <see cref="ArgumentOutOfRangeException"/> is thrown before any I/O. Expiry has millisecond precision; a TTL with a
/// fraction of a millisecond is rounded up to the next whole millisecond.</para>
/// <para><b>Data</b> is opaque bytes, returned bit-exact. A write larger than the store's configured
/// <see cref="SessionStoreOptions.MaxDataBytes"/> is rejected with an <see cref="ArgumentException"/>, never truncated.</para>
/// <para><b>Versions</b> start at 1 when a session is created (or re-created after it expired or was destroyed) and
/// grow by exactly 1 on every successful <see cref="SetAsync"/>. <see cref="TouchAsync"/> and
/// <see cref="GetAndTouchAsync"/> never change them. An absent or expired session has version 0.</para>
/// <para><b>Namespace</b>: every store works inside its own namespace (key prefix, table, collection, directory).
/// Nothing it does sees or touches data outside it.</para>
/// <para><b>Failures</b> of the backend surface as <see cref="SessionStoreException"/> (with
/// <see cref="SessionStoreException.IsTransient"/>) wrapping the driver's error; nothing is swallowed. Cancellation
/// by the caller surfaces as <see cref="OperationCanceledException"/>. Stored data that cannot be decoded surfaces as
/// <see cref="SessionDataCorruptedException"/> from the read that met it (see that type for the policy).</para>
/// </remarks>
public interface ISessionStore
{
    /// <summary>Reads a live session.</summary>
    /// <param name="id">The session id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The live session, or <see langword="null"/> when it is absent or expired.</returns>
    Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads a live session and moves its expiry to now + <paramref name="ttl"/> (sliding expiry), in one round trip on
    /// every backend. Data and version are unchanged.
    /// </summary>
    /// <param name="id">The session id.</param>
    /// <param name="ttl">The new time to live, counted from now.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The session with its new expiry, or <see langword="null"/> when it is absent or expired, in which case
    /// nothing is created.</returns>
    Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates or replaces a session's data, TTL and subject. With <see cref="SessionWrite.ExpectedVersion"/> set it is
    /// a compare-and-set: it writes only when the live version equals the expected one (0 meaning "create only").
    /// </summary>
    /// <param name="id">The session id.</param>
    /// <param name="write">What to write.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>On success, the new version; on a compare-and-set conflict, the current live version (0 when the session
    /// is absent or expired), and nothing was written.</returns>
    Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default);

    /// <summary>Moves a live session's expiry to now + <paramref name="ttl"/> without rewriting its data or version.</summary>
    /// <param name="id">The session id.</param>
    /// <param name="ttl">The new time to live, counted from now.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when a live session was touched; <see langword="false"/> when it is absent or
    /// expired, in which case it is not resurrected.</returns>
    Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Deletes a session.</summary>
    /// <param name="id">The session id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when a live session was deleted; <see langword="false"/> when it was absent or
    /// already expired.</returns>
    Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams the live sessions of this store's namespace that match <paramref name="query"/>, in pages of
    /// <see cref="SessionQuery.PageSize"/>, with memory bounded by the page size whatever the number of sessions.
    /// Expired sessions never appear. When nothing writes during the listing, each live session appears exactly once;
    /// the order is unspecified.
    /// </summary>
    /// <remarks>The query is checked when <c>ListAsync</c> is called, not when the enumeration starts: a null or invalid
    /// query throws from the call itself, before any I/O, like the other operations. An implementation is therefore a
    /// plain method that validates and then returns an iterator (<see cref="SessionValidation.ValidateQuery"/>), not
    /// an <c>async</c> iterator itself, whose checks would only run on the first <c>MoveNextAsync</c>.</remarks>
    /// <param name="query">Which sessions, and whether to include their data.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The matching live sessions.</returns>
    /// <exception cref="System.ArgumentNullException"><paramref name="query"/> is <see langword="null"/> (at the call).</exception>
    /// <exception cref="System.ArgumentException">The query's subject or page size is invalid (at the call).</exception>
    IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default);

    /// <summary>Counts the live sessions of this store's namespace that match <paramref name="query"/>.</summary>
    /// <param name="query">Which sessions.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The number of matching live sessions.</returns>
    Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes every session of this store's namespace, or every session of one subject ("sign out everywhere").
    /// </summary>
    /// <param name="query">Which sessions: <see cref="SessionQuery.All"/> or <see cref="SessionQuery.ForSubject"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The number of live sessions deleted (expired leftovers may be removed too but are not counted).</returns>
    Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default);
}
