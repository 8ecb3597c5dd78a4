using System;
using System.Threading.Tasks;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// A regenerated id (sign-in) is committed only if the response carries its cookie. The session middleware's own commit
/// runs in a <c>finally</c>, also while an exception from the endpoint is on its way to the server's (or an exception
/// handler's) error response, which drops every header set so far, the new cookie included: committing then would move the
/// session to an id the browser never learns and destroy the one it has, losing the whole session. So that commit waits
/// for the request scope to see the pipeline's outcome, and any commit of a regenerated id first checks that the new
/// cookie is still in the response (an error handler may have cleared it and written its own page). Otherwise nothing of
/// the request is stored (a sign-in that failed half-way writes no half-signed-in state to the old id either) and event
/// 22 is logged.
/// </summary>
internal sealed partial class StoreBackedSession
{
    private bool _runningDeferred;

    /// <summary>Whether the session middleware's commit of a regenerated id must wait for the pipeline's outcome.</summary>
    private bool DefersFinalCommit(bool final) =>
        final && !_runningDeferred && _previous is not null && _state == State.Loaded && _commitFailure is null
        && _scope is { Context.Response.HasStarted: false };

    /// <summary>The pipeline returned: commit now. A failure is logged and reported to the request scope, not thrown.</summary>
    public async Task CommitDeferredAsync()
    {
        _runningDeferred = true;
        try
        {
            await CommitAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // CommitAsync has logged it and reported it to the request scope, which answers it (409, 503, 500).
        }
    }

    /// <summary>Whether this request still holds the turn of <paramref name="key"/> (for a re-executed pipeline, such as
    /// an error page, which must not wait for its own request).</summary>
    public bool HoldsTurnFor(string key) => _turn is not null && string.Equals(_previous?.Key, key, StringComparison.Ordinal);

    /// <summary>The pipeline failed: store nothing, log why, end the session's turn.</summary>
    public Task AbandonAsync(string reason)
    {
        DropRegeneratedCommit(reason);
        return EndTurnAsync();
    }

    /// <summary>False when a regenerated id's cookie is no longer in the response (the commit is then dropped, see the
    /// class remarks).</summary>
    private bool RegeneratedCookieStillSet()
    {
        // Read also once the response has started (headers stay readable): an exception handler may have cleared them and
        // started its own page before a commit that runs after the response (CommitBeforeResponse off).
        if (_previous is null || _scope?.Context is not { } context || IsSessionCookie(context.Response.Headers.SetCookie))
        {
            return true;
        }

        DropRegeneratedCommit("answered with a response that no longer sets its cookie");
        return false;
    }

    private void DropRegeneratedCommit(string reason)
    {
        if (_previous is not { } previous)
        {
            return;
        }

        Log.RegeneratedIdNotSent(_settings.Logger, SessionValidation.Tag(previous.Key), reason);
        _key = previous.Key;
        _keyIsFresh = false;
        ForgetPreviousId();
        _values.Discard();
        _touchDue = false;
    }
}
