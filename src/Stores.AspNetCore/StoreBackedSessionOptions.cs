using System;

namespace SessionStores.AspNetCore;

/// <summary>
/// How <c>HttpContext.Session</c> behaves when it lives in an <see cref="ISessionStore"/>. The idle timeout, cookie and
/// I/O timeout stay where they always were, in ASP.NET Core's <c>SessionOptions</c> (<c>AddSession(o =&gt; ...)</c>).
/// </summary>
public sealed class StoreBackedSessionOptions
{
    /// <summary>
    /// The absolute lifetime of a session's content, counted from its creation whatever the activity, or
    /// <see langword="null"/> for none (idle timeout only). A session past it is destroyed when it is next loaded and
    /// the request starts with an empty one; a write never extends the store's expiry past it.
    /// Default: 12 hours.
    /// </summary>
    public TimeSpan? AbsoluteTimeout { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// When <see langword="null"/> (the default), every load slides the idle expiry in the same round trip as the read
    /// (<see cref="ISessionStore.GetAndTouchAsync"/>), so each read-only request writes the expiry once. When set, a
    /// load only reads (<see cref="ISessionStore.GetAsync"/>) and the expiry is moved (<see cref="ISessionStore.TouchAsync"/>,
    /// a second round trip) only once at least this much of the idle timeout has elapsed since the last slide; this
    /// trades one occasional extra round trip for far fewer expiry writes. Must be shorter than the idle timeout.
    /// </summary>
    public TimeSpan? TouchThreshold { get; set; }

    /// <summary>What a commit does when another request changed the same session since this one loaded it.
    /// Default: <see cref="SessionConflictPolicy.Merge"/>.</summary>
    public SessionConflictPolicy ConflictPolicy { get; set; } = SessionConflictPolicy.Merge;

    /// <summary>How requests of one session are coordinated. Default: <see cref="SessionConcurrency.Serialized"/>.</summary>
    public SessionConcurrency Concurrency { get; set; } = SessionConcurrency.Serialized;

    /// <summary>
    /// How long a request may wait for its turn on its session (behind the requests of the same session that arrived
    /// before it, in this process and, under <see cref="SessionConcurrency.Exclusive"/>, in others) before it is answered
    /// with <see cref="UnavailableStatusCode"/> and <c>Retry-After</c>. Default: 5 seconds.
    /// </summary>
    public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many requests of one session may wait for their turn in one process; the next one is answered at once with
    /// <see cref="UnavailableStatusCode"/> and <c>Retry-After</c>. Default: 128.
    /// </summary>
    public int MaxWaitingRequestsPerSession { get; set; } = 128;

    /// <summary>
    /// Under <see cref="SessionConcurrency.Exclusive"/>: how long a lease lasts before it must be renewed (the holder renews
    /// it while the request runs). A lease whose holder died ends at the latest after this long. Default: 10 seconds.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a commit keeps merging when other requests (other processes, or <see cref="SessionConcurrency.Optimistic"/>)
    /// keep storing newer versions: each lost compare-and-set re-reads, re-applies this request's own changes and tries
    /// again after an exponential backoff with jitter, until this deadline; then it answers
    /// <see cref="UnavailableStatusCode"/>. Default: 5 seconds.
    /// </summary>
    public TimeSpan CommitTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Read-your-writes. When <see langword="true"/> (the default), no response starts before its session changes are
    /// stored: the commit runs when the response is about to start (<c>Response.OnStarting</c>) or, for a response
    /// without a body, when the session middleware ends, which is still before the response is sent. When
    /// <see langword="false"/>, the commit runs only when the session middleware ends, as with the built-in session,
    /// so a response that wrote its body may reach the client before its changes are stored.
    /// </summary>
    public bool CommitBeforeResponse { get; set; } = true;

    /// <summary>What happens when the store cannot be reached while a session loads.
    /// Default: <see cref="SessionStoreFailureMode.Throw"/>.</summary>
    public SessionStoreFailureMode FailureMode { get; set; } = SessionStoreFailureMode.Throw;

    /// <summary>
    /// What a load does with a stored session it cannot read (<see cref="SessionDataCorruptedException"/>: a damaged
    /// record, or a payload format this version does not know). <see langword="false"/> (the default): the request
    /// fails with 500 and the record stays as it is, so nothing is lost (after a rollback to an older version, say);
    /// but a sliding load keeps such a record alive while its user keeps retrying, until the application destroys it
    /// (<c>DestroyAsync</c>, <see cref="SessionAdmin"/>). <see langword="true"/>: the record is destroyed, an error is
    /// logged (event id 7), and the request continues with an empty session under the same key.
    /// </summary>
    public bool DiscardUnreadableSessions { get; set; }

    /// <summary>
    /// The status code written when a session operation fails with a transient <see cref="SessionStoreException"/>
    /// (store down, timeout) and the response has not started yet. Default: 503 (Service Unavailable), with
    /// <c>Retry-After: 1</c>. A conflict that <see cref="SessionConflictPolicy"/> could not resolve gives 409.
    /// </summary>
    public int UnavailableStatusCode { get; set; } = 503;
}
