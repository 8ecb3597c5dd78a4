using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.AspNetCore;

/// <summary>
/// Administration of the application's sessions across all its instances: list, count, destroy one, and sign a user
/// out everywhere. Registered as a singleton by <c>AddStoreBackedSession</c>.
/// </summary>
/// <remarks>Listings stream page by page from the store, so memory stays bounded whatever the number of sessions.</remarks>
public sealed class SessionAdmin
{
    private readonly ISessionStore _store;

    /// <summary>Creates the service.</summary>
    /// <param name="store">The application's session store.</param>
    public SessionAdmin(ISessionStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>Streams the live sessions (id, subject, created, expires, size, version), all or one subject's.</summary>
    /// <param name="subject">Only this subject's sessions, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The live sessions, in no particular order.</returns>
    public IAsyncEnumerable<SessionInfo> ListAsync(string? subject = null, CancellationToken cancellationToken = default) =>
        _store.ListAsync(Query(subject), cancellationToken);

    /// <summary>Counts the live sessions, all or one subject's.</summary>
    /// <param name="subject">Only this subject's sessions, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The count.</returns>
    public Task<long> CountAsync(string? subject = null, CancellationToken cancellationToken = default) =>
        _store.CountAsync(Query(subject), cancellationToken);

    /// <summary>Destroys one session; its next request starts with an empty session.</summary>
    /// <param name="sessionId">The session id (as listed, or <c>HttpContext.Session.Id</c>).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when a live session was destroyed.</returns>
    public Task<bool> DestroyAsync(string sessionId, CancellationToken cancellationToken = default) =>
        _store.DestroyAsync(sessionId, cancellationToken);

    /// <summary>Destroys every live session bound to <paramref name="subject"/> ("sign out everywhere").</summary>
    /// <param name="subject">The subject (user id).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many live sessions were destroyed.</returns>
    public Task<long> SignOutEverywhereAsync(string subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return _store.DestroyManyAsync(SessionQuery.ForSubject(subject), cancellationToken);
    }

    private static SessionQuery Query(string? subject) => subject is null ? SessionQuery.All : SessionQuery.ForSubject(subject);
}
