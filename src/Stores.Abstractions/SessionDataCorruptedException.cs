using System;

namespace SessionStores;

/// <summary>
/// A stored session could not be decoded (a foreign or damaged record in the store's namespace).
/// </summary>
/// <remarks>
/// The policy, identical in every store: the operation that meets the record (<see cref="ISessionStore.GetAsync"/>,
/// <see cref="ISessionStore.GetAndTouchAsync"/>, <see cref="ISessionStore.TouchAsync"/>,
/// <see cref="ISessionStore.SetAsync"/> with an expected version, or a listing) throws this exception and changes
/// nothing. The record is never silently treated as absent, so no data is overwritten by accident. The message names
/// the session by its <see cref="SessionValidation.Tag"/>, never by its id (a bearer secret); <see cref="SessionId"/>
/// holds the id for code that needs it.
/// <see cref="ISessionStore.DestroyAsync"/> and <see cref="ISessionStore.DestroyManyAsync"/> still delete it and count
/// it as a live session deleted (its expiry cannot be read, so it is not known to be expired), which is how an
/// application recovers; an unconditional <see cref="ISessionStore.SetAsync"/> replaces it with a new session at
/// version 1. <see cref="ISessionStore.CountAsync"/> may or may not count it, as the backend can count without decoding.
/// </remarks>
public sealed class SessionDataCorruptedException : SessionStoreException
{
    /// <summary>Creates an exception.</summary>
    /// <param name="sessionId">The id of the damaged session.</param>
    /// <param name="reason">What could not be decoded; control characters in it are escaped.</param>
    /// <param name="innerException">The decoding error, if any.</param>
    public SessionDataCorruptedException(string sessionId, string reason, Exception? innerException = null)
        : base($"The stored session {SessionValidation.Tag(sessionId)} cannot be decoded: {SessionValidation.EscapeControlCharacters(reason)}. Destroy it to recover.", innerException, isTransient: false)
    {
        SessionId = sessionId;
    }

    /// <summary>The id of the damaged session.</summary>
    public string SessionId { get; }
}
