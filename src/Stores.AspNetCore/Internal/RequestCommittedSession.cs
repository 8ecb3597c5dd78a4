using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http.Features;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// The commit plumbing of a session that lives beside the session middleware rather than inside it (the cookie sessions
/// of <c>SessionStores.Cookies</c>, the Express sessions of <c>SessionStores.ExpressCompat</c>): the commit runs before
/// the response's first byte through <see cref="CommitOnFirstWriteStream"/> (Response.OnStarting as the fallback), a
/// failure is logged once, reported to the <see cref="SessionRequestScope"/> and answered as a problem, and a session
/// whose commit failed is not committed again. Each backend supplies only its commit body.
/// </summary>
internal abstract class RequestCommittedSession : ValueSession, IResponseCommit
{
    private readonly StoreBackedSessionOptions _integration;

    private protected RequestCommittedSession(SessionRequestScope? scope, StoreBackedSessionOptions integration)
    {
        Scope = scope;
        _integration = integration;
    }

    /// <summary>Where a session is in its request: not loaded yet, loaded (readable, writable, committed at the end),
    /// or destroyed (nothing left to commit).</summary>
    private protected enum LoadState
    {
        NotLoaded,
        Loaded,
        Destroyed,
    }

    public bool IsAvailable => Status == LoadState.Loaded;

    private protected SessionRequestScope? Scope { get; }

    private protected LoadState Status { get; set; }

    /// <summary>The failure of an earlier commit of this request, if any.</summary>
    private protected Exception? CommitFailure { get; private set; }

    /// <summary>Whether the session is loaded and not destroyed: the only state with something to commit.</summary>
    private bool CanCommit => Status == LoadState.Loaded;

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        // The session middleware removes the feature before its own, final commit; an application's call still has it.
        var final = Scope?.Context.Features.Get<ISessionFeature>() is null;
        if (!CanCommit || CommitFailure is not null)
        {
            return;
        }

        try
        {
            await CommitCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            CommitFailure = ex;
            LogCommitFailed(ex);
            if (final)
            {
                // The session middleware only logs what this throws: the request scope answers it (or aborts).
                Scope?.ReportCommitFailure(ex, answered: false);
            }

            throw;
        }
    }

    /// <summary>The backend's commit: what to store and which cookie to set.</summary>
    private protected abstract Task CommitCoreAsync(CancellationToken cancellationToken);

    /// <summary>Logs a failed commit with the backend's own event.</summary>
    private protected abstract void LogCommitFailed(Exception exception);

    /// <summary>Puts the commit before the response's first byte (call once the session is loaded).</summary>
    private protected void RegisterCommitHook()
    {
        if (Scope is { Context.Response.HasStarted: false } scope)
        {
            scope.Body ??= CommitOnFirstWriteStream.Install(scope.Context, this, _integration);
            scope.Context.Response.OnStarting(static state => ((RequestCommittedSession)state).CommitOnStartingAsync(), this);
        }
    }

    /// <summary>The commit before the response's first byte; returns the failure (logged and reported) for the caller to answer.</summary>
    public async Task<Exception?> CommitBeforeResponseAsync()
    {
        if (!CanCommit || CommitFailure is not null)
        {
            return null;
        }

        try
        {
            // Not the request's token: once the endpoint ran, whether its change is kept does not depend on the client.
            await CommitCoreAsync(CancellationToken.None).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            CommitFailure = ex;
            LogCommitFailed(ex);
            Scope!.ReportCommitFailure(ex, answered: true);
            return ex;
        }
    }

    /// <summary>The fallback for a response started without a body write: only the status can still tell.</summary>
    private async Task CommitOnStartingAsync()
    {
        if (await CommitBeforeResponseAsync().ConfigureAwait(false) is { } failure)
        {
            var response = Scope!.Context.Response;
            response.StatusCode = SessionProblem.StatusFor(failure, _integration);
            SessionProblem.SetRetryAfter(response, _integration);
        }
    }
}
