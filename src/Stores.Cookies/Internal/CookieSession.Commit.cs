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
    private protected override void LogCommitFailed(Exception exception) =>
        Log.CommitFailed(_settings.Logger, SessionValidation.Tag(_id), exception);

    private protected override async Task CommitCoreAsync(CancellationToken cancellationToken)
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
