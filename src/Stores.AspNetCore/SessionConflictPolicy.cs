namespace SessionStores.AspNetCore;

/// <summary>What a session commit does when another request stored a newer version of the same session.</summary>
public enum SessionConflictPolicy
{
    /// <summary>
    /// Re-read the latest version and re-apply only this request's own changes to it, key by key (set, remove, clear,
    /// subject), then compare-and-set again. Keys this request did not touch keep the other request's values, so two
    /// requests that change different keys both win. When both changed the <em>same</em> key (even to the same value: two
    /// increments of a counter from 1 both write 2, and keeping one would count once), no merge can keep both updates, so
    /// the commit throws
    /// <see cref="SessionCommitConflictException"/> (status 409) instead of losing one silently. The same applies to a
    /// change made to the old id while a commit moves the session to an id from <c>RegenerateId</c>.
    /// </summary>
    Merge = 0,

    /// <summary>Write this request's whole view over a concurrent change, as ASP.NET Core's built-in session does: the
    /// last commit wins and the other request's changes are lost. One exception: a session destroyed meanwhile (sign-out
    /// everywhere, an admin's destroy) is not brought back; only this request's own changes go into a new session.
    /// The commit is still a compare-and-set first, so a conflict costs one more round trip and never a re-read; it retries
    /// with backoff until <see cref="StoreBackedSessionOptions.CommitTimeout"/>.</summary>
    LastWriteWins = 1,

    /// <summary>Write nothing and throw <see cref="SessionCommitConflictException"/> (status 409 when the response has not
    /// started), so the application can tell the user to retry.</summary>
    Fail = 2,
}
