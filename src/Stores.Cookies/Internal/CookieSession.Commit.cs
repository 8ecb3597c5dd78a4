using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http.Features;
using SessionStores.AspNetCore.Internal;

namespace SessionStores.Cookies.Internal;

/// <summary>
/// The commit: the cookie is set (or deleted) before the response's first byte, through the integration's
/// <see cref="CommitOnFirstWriteStream"/>, so a commit that fails (a session too large, a revocation store that does not
/// answer) turns the response into a problem details response and what the endpoint wrote is discarded: the browser
/// keeps its cookie as it was. Nothing is written when nothing changed and no touch is due.
/// </summary>
internal sealed partial class CookieSession
{
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        // The session middleware removes the feature before its own, final commit; an application's call still has it.
        var final = _scope?.Context.Features.Get<ISessionFeature>() is null;
        if (_state != State.Loaded || _commitFailure is not null)
        {
            return;
        }

        try
        {
            await CommitCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _commitFailure = ex;
            Log.CommitFailed(_settings.Logger, SessionValidation.Tag(_id), ex);
            if (final)
            {
                // The session middleware only logs what this throws: the request scope answers it (or aborts).
                _scope?.ReportCommitFailure(ex, answered: false);
            }

            throw;
        }
    }

    private void RegisterCommitHook()
    {
        if (_scope is { Context.Response.HasStarted: false } scope)
        {
            scope.Body ??= CommitOnFirstWriteStream.Install(scope.Context, CommitBeforeResponseAsync, _settings.Integration);
            scope.Context.Response.OnStarting(static state => ((CookieSession)state).CommitOnStartingAsync(), this);
        }
    }

    /// <summary>The commit before the response's first byte; returns the failure (logged and reported) for the caller to answer.</summary>
    private async Task<Exception?> CommitBeforeResponseAsync()
    {
        if (_state != State.Loaded || _commitFailure is not null)
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
            _commitFailure = ex;
            Log.CommitFailed(_settings.Logger, SessionValidation.Tag(_id), ex);
            _scope!.ReportCommitFailure(ex, answered: true);
            return ex;
        }
    }

    /// <summary>The fallback for a response started without a body write: only the status can still tell.</summary>
    private async Task CommitOnStartingAsync()
    {
        if (await CommitBeforeResponseAsync().ConfigureAwait(false) is { } failure)
        {
            var response = _scope!.Context.Response;
            response.StatusCode = SessionProblem.StatusFor(failure, _settings.Integration);
            SessionProblem.SetRetryAfter(response, _settings.Integration);
        }
    }

    private async Task CommitCoreAsync(CancellationToken cancellationToken)
    {
        var context = Context;
        var now = _settings.Time.GetUtcNow().ToUnixTimeMilliseconds();
        if (!_values.IsDirty && !_idChanged)
        {
            if (context.Response.HasStarted)
            {
                // A touch or a deletion that missed the headers is harmless: the next request does it.
                return;
            }

            if (_touchDue)
            {
                Write(now, _values.Version);
            }
            else if (_deleteCookie)
            {
                _settings.Cookies.Delete(context);
                _deleteCookie = false;
            }

            return;
        }

        if (context.Response.HasStarted)
        {
            throw new InvalidOperationException("The session changed after the response had started; a cookie session travels in the response's headers, so the change was not stored.");
        }

        if (_settings.AbsoluteTimeout is { } absolute && _values.CreatedAtMs + (long)absolute.TotalMilliseconds <= now)
        {
            // The deadline passed while this request ran: the session ends rather than being written past it.
            Log.SessionExpired(_settings.Logger, SessionValidation.Tag(_id), "absolute");
            _settings.Cookies.Delete(context);
            StartEmpty();
            _values.MarkCommitted(0);
            return;
        }

        if (!_values.Keys.Any() && _values.Subject is null)
        {
            // Nothing worth a cookie (a cleared session): none is kept, and none is sent for a new one.
            if (_values.Version > 0 || _deleteCookie)
            {
                _settings.Cookies.Delete(context);
            }

            _values.MarkCommitted(0);
            _idChanged = _touchDue = _deleteCookie = false;
            return;
        }

        if (!string.Equals(_values.Subject, _loadedSubject, StringComparison.Ordinal))
        {
            // Bound (or re-bound) in this request: the session carries the subject's generation from now on.
            _generation = _values.Subject is { } subject && _settings.Revocation.IsEnabled
                ? await _settings.Revocation.CurrentGenerationAsync(subject, cancellationToken).ConfigureAwait(false)
                : 0;
        }

        Write(now, _values.Version + 1);
    }

    /// <summary>Sets the cookie for the current content as <paramref name="version"/>, written at <paramref name="now"/>.
    /// Throws <see cref="CookieSessionTooLargeException"/> before touching the response.</summary>
    private void Write(long now, long version)
    {
        var content = new CookiePayload.Content(_id, now, version, _generation, _values.Subject);
        _settings.Cookies.Write(Context, CookiePayload.Encode(content, _values.Encode()));
        _values.MarkCommitted(version);
        _loadedSubject = _values.Subject;
        _idChanged = _touchDue = _deleteCookie = false;
    }
}
