using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores;

/// <summary>
/// A store that announces, to every process using it, each change of a session: the invalidation feed a near cache
/// (<see cref="NearCachedSessionStore"/>) needs to keep recently used sessions in process memory without serving stale
/// ones.
/// </summary>
/// <remarks>
/// <para><b>What is announced</b>: every successful write as the session's id and new version, every destroy as the id
/// with version 0, and every bulk delete (<see cref="ISessionStore.DestroyManyAsync"/>) as "everything changed".
/// Touches are not announced (they change no data or version); expiry is decided by the cache from the expiry it saw.</para>
/// <para><b>Completeness</b>: a feed reports <see cref="ISessionInvalidationListener.OnFeedLost"/> whenever it may
/// have missed an announcement (a disconnect, a missed heartbeat, an overflow), and
/// <see cref="ISessionInvalidationListener.OnFeedRestored"/> once every later announcement will reach it again. A new
/// subscription starts lost: the first <see cref="ISessionInvalidationListener.OnFeedRestored"/> says it is live.</para>
/// </remarks>
public interface ISessionInvalidationSource
{
    /// <summary>Starts delivering announcements to <paramref name="listener"/> until the returned handle is disposed.</summary>
    /// <param name="listener">Where announcements and feed state go; called from the feed's own thread, one call at a time.</param>
    /// <param name="cancellationToken">Cancels the subscription attempt.</param>
    /// <returns>The subscription; disposing it stops the deliveries.</returns>
    /// <exception cref="SessionStoreException">The backend could not be reached; the caller retries.</exception>
    Task<IAsyncDisposable> SubscribeInvalidationsAsync(ISessionInvalidationListener listener, CancellationToken cancellationToken = default);
}

/// <summary>Receives the announcements of an <see cref="ISessionInvalidationSource"/>.</summary>
/// <remarks>Each call must return quickly and must not block: a feed delivers from its own thread, one call at a time,
/// and may hold its own lock while telling of a loss or restoration (the Redis feed does, so that the two arrive in the
/// order they happened), so a blocked listener holds up every later announcement and the feed's heartbeats.</remarks>
public interface ISessionInvalidationListener
{
    /// <summary>A session changed: written (its new <paramref name="version"/>) or destroyed (version 0).</summary>
    /// <param name="id">The session id.</param>
    /// <param name="version">The version the change produced; 0 when the session was destroyed.</param>
    void OnChanged(string id, long version);

    /// <summary>Any session may have changed (a bulk delete).</summary>
    void OnAllChanged();

    /// <summary>Announcements may be missing from now on, until <see cref="OnFeedRestored"/>.</summary>
    /// <param name="reason">Why, for the log.</param>
    /// <param name="exception">The failure, when there is one.</param>
    void OnFeedLost(string reason, Exception? exception);

    /// <summary>Every announcement from now on will arrive (those made while lost did not).</summary>
    void OnFeedRestored();
}
