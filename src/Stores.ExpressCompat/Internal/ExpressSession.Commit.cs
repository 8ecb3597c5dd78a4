using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http.Features;
using SessionStores.AspNetCore.Internal;

namespace SessionStores.ExpressCompat.Internal;

/// <summary>
/// The commit, by express-session's rules (with <c>resave: false</c>): the session's cookie is touched (expires =
/// now + originalMaxAge); a session that changed, or a new one with <c>saveUninitialized</c>, is saved whole with the
/// store's TTL for that cookie; an unchanged loaded one is touched in the store; the cookie is set for a new session
/// that was saved, and for a loaded one when <c>rolling</c> or when it changed and its cookie expires. It runs before
/// the response's first byte through the integration's <see cref="RequestCommittedSession"/>, so a failed save turns
/// the response into a problem details response (503) instead of a success that lost the change.
/// </summary>
internal sealed partial class ExpressSession
{
    private protected override void LogCommitFailed(Exception exception) =>
        Log.CommitFailed(_settings.Logger, SessionValidation.Tag(_id), exception);

    private protected override async Task CommitCoreAsync(CancellationToken cancellationToken)
    {
        var modified = _values.IsDirty;
        if (_committedOnce && !modified)
        {
            return;
        }

        var document = _document!;
        var now = _settings.Time.GetUtcNow();
        var isNew = _cookieId != _id;
        if (!_committedOnce)
        {
            document.Touch(now);
        }

        var ttl = _settings.Store.TimeToLive(document.Lifetime, now);
        if (modified || (isNew && _settings.Options.SaveUninitialized))
        {
            if (ttl is { } keep)
            {
                var data = document.Encode(CurrentValues());
                await _settings.Store.SetAsync(_id, new SessionWrite(data, keep), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // The npm stores destroy a session saved with an expiry already past, rather than store it.
                await _settings.Store.DestroyAsync(_id, cancellationToken).ConfigureAwait(false);
            }

            _values.MarkCommitted(1);
        }
        else if (!isNew && !_committedOnce)
        {
            // connect-redis's touch: the key's expiry follows the touched cookie (a past one ends the session).
            _ = ttl is { } keep
                ? await _settings.Store.TouchAsync(_id, keep, cancellationToken).ConfigureAwait(false)
                : await _settings.Store.DestroyAsync(_id, cancellationToken).ConfigureAwait(false);
        }

        if (_replacedId is { } replaced)
        {
            await _settings.Store.DestroyAsync(replaced, cancellationToken).ConfigureAwait(false);
            _replacedId = null;
        }

        var setCookie = isNew
            ? _settings.Options.SaveUninitialized || modified
            : _settings.Options.Rolling || (document.Lifetime.Expires is not null && modified);
        var context = Context;
        if (setCookie && !context.Response.HasStarted && (!_settings.Options.CookieSecure || context.Request.IsHttps))
        {
            _settings.Cookies.Write(context, _id, document.Cookie);
        }

        if (isNew && (modified || _settings.Options.SaveUninitialized))
        {
            // The session now exists under this id: a later commit in this request updates it, as a loaded one.
            _cookieId = _id;
        }

        _committedOnce = true;
    }
}
