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
        : base($"The session {SessionValidation.Tag(sessionId)} was changed by a concurrent request; this request's changes were not stored after {attempts} attempt(s).", null, isTransient: true)
    {
        Attempts = attempts;
    }

    /// <summary>How many compare-and-set attempts were made.</summary>
    public int Attempts { get; }
}
