using System;
using System.Threading;
using Microsoft.AspNetCore.Http;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// Carries the current <see cref="HttpContext"/> to <see cref="StoreBackedSessionStore.Create"/> (which the session
/// middleware calls without one) and brings commit failures back to <see cref="SessionRequestScopeMiddleware"/>,
/// because the session middleware catches and only logs what <c>CommitAsync</c> throws.
/// </summary>
internal sealed class SessionRequestScope
{
    private static readonly AsyncLocal<SessionRequestScope?> CurrentScope = new();

    public SessionRequestScope(HttpContext context)
    {
        Context = context;
    }

    public static SessionRequestScope? Current
    {
        get => CurrentScope.Value;
        set => CurrentScope.Value = value;
    }

    public HttpContext Context { get; }

    /// <summary>The first commit failure of this request, if any.</summary>
    public Exception? CommitFailure { get; private set; }

    /// <summary>Whether the failure was already answered with a status code (as the response started).</summary>
    public bool FailureAnswered { get; private set; }

    /// <summary>The response body that commits on the first write, when a session installed it.</summary>
    public CommitOnFirstWriteStream.Installed? Body { get; set; }

    /// <summary>The session's turn (gate, lease) still held, ended when the request ends at the latest.</summary>
    public SessionTurn? Turn { get; set; }

    /// <summary>A session with a regenerated id whose final commit waits for the pipeline's outcome (see
    /// <c>StoreBackedSession.Deferred.cs</c>).</summary>
    public StoreBackedSession? DeferredCommit { get; set; }

    /// <summary>Marks the failure as answered (by a problem details response).</summary>
    public void MarkAnswered() => FailureAnswered = true;

    public void ReportCommitFailure(Exception exception, bool answered)
    {
        if (CommitFailure is null)
        {
            CommitFailure = exception;
            FailureAnswered = answered;
        }
    }
}
