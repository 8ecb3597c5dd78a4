using System.Threading.Tasks;

namespace SessionStores.AspNetCore.Internal;

/// <summary>A session whose final commit waits for the outcome of the request's pipeline (<see cref="SessionRequestScope"/>).</summary>
internal interface IDeferredCommit
{
    /// <summary>The pipeline returned: commit now. A failure is logged and reported to the request scope, not thrown.</summary>
    Task CommitDeferredAsync();

    /// <summary>The pipeline failed: store nothing, log why, end the session's turn.</summary>
    Task AbandonAsync(string reason);

    /// <summary>Whether this request still holds the turn of <paramref name="key"/> (for a re-executed pipeline, such as
    /// an error page, which must not wait for its own request).</summary>
    bool HoldsTurnFor(string key);
}
