namespace SessionStores.AspNetCore;

/// <summary>
/// A session commit met a newer version stored by a concurrent request and did not write: either the policy is
/// <see cref="SessionConflictPolicy.Fail"/>, or under <see cref="SessionConflictPolicy.Merge"/> both requests changed the
/// same key (which no merge can keep both of). Answered with 409 Conflict. Retrying the request may succeed.
/// </summary>
public sealed class SessionCommitConflictException : SessionStoreException
{
    /// <summary>Creates an exception.</summary>
    /// <param name="sessionId">The session id (only a shortened form appears in the message).</param>
    /// <param name="attempts">How many compare-and-set attempts were made.</param>
    public SessionCommitConflictException(string sessionId, int attempts)
        : this(sessionId, attempts, sessionEnded: false)
    {
    }

    /// <summary>Creates an exception.</summary>
    /// <param name="sessionId">The session id (only a shortened form appears in the message).</param>
    /// <param name="attempts">How many compare-and-set attempts were made.</param>
    /// <param name="sessionEnded">Whether the session was destroyed or expired while the request ran (see <see cref="SessionEnded"/>).</param>
    public SessionCommitConflictException(string sessionId, int attempts, bool sessionEnded)
        : base(sessionEnded
            ? $"The session {SessionValidation.Tag(sessionId)} ended (destroyed or expired) while this request ran, and this request had changed values it held; its changes were not stored after {attempts} attempt(s)."
            : $"The session {SessionValidation.Tag(sessionId)} was changed by a concurrent request; this request's changes were not stored after {attempts} attempt(s).", null, isTransient: true)
    {
        Attempts = attempts;
        SessionEnded = sessionEnded;
    }

    /// <summary>How many compare-and-set attempts were made.</summary>
    public int Attempts { get; }

    /// <summary>
    /// Whether the conflict is with the session's end rather than with another request's change: the session was
    /// destroyed ("sign out everywhere", an administrator) or expired while this request ran, and this request had
    /// changed values that the session held when it loaded. Writing them into a new session would bring back part of
    /// the ended one, so nothing was stored; the next request starts from an empty session.
    /// </summary>
    public bool SessionEnded { get; }
}
