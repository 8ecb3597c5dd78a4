using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace SessionStores.AspNetCore.Internal;

/// <summary>The commit: nothing when nothing changed, otherwise compare-and-set with the configured conflict policy.</summary>
internal sealed partial class StoreBackedSession
{
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        var final = IsSessionMiddlewareCommit;
        if (DefersFinalCommit(final))
        {
            // A regenerated id: committed by the request scope once the pipeline's outcome is known (the turn stays held).
            _scope!.DeferredCommit = this;
            return;
        }

        try
        {
            if (_state != State.Loaded || _commitFailure is not null)
            {
                return;
            }

            await CommitCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _commitFailure = ex;
            _turn?.StoreFailed(ex);
            if (final)
            {
                // The session middleware catches and only logs what this throws: report it to the request scope, which
                // turns it into a problem response (or aborts a started response), so no failed write looks like a success.
                _scope?.ReportCommitFailure(ex, answered: false);
            }

            // Otherwise the application called CommitAsync itself and gets the exception: handling it is its choice
            // (and the middleware's final commit will not write over it).
            LogCommitFailure(ex);
            throw;
        }
        finally
        {
            if (final)
            {
                await EndTurnAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Whether this commit is the session middleware's own, at the end of the request: it removes the session
    /// feature before it commits, while an application's call still has it.</summary>
    private bool IsSessionMiddlewareCommit => _scope?.Context.Features.Get<ISessionFeature>() is null;

    /// <summary>
    /// The commit before the first byte of the response (read-your-writes), then the end of this request's turn.
    /// Returns the failure (already logged and reported to the request scope), for the caller to answer.
    /// </summary>
    public async Task<Exception?> CommitBeforeResponseAsync()
    {
        try
        {
            if (_state != State.Loaded || _commitFailure is not null)
            {
                return null;
            }

            var context = _scope!.Context;

            // Not the request's token: once the endpoint has run, its changes are stored even if the client hangs up
            // meanwhile, so whether a write lands never depends on when the client went away (a cancelled write may or
            // may not have reached the store). Each store call stays bounded by the I/O timeout; with no I/O timeout,
            // the request's token bounds it instead, so that a hung store cannot hold a dead request forever.
            var cancellationToken = _ioTimeout == Timeout.InfiniteTimeSpan ? context.RequestAborted : CancellationToken.None;
            try
            {
                await CommitCoreAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _commitFailure = ex;
                _turn?.StoreFailed(ex);
                LogCommitFailure(ex);
                _scope.ReportCommitFailure(ex, answered: true);
                return ex;
            }
        }
        finally
        {
            await EndTurnAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The fallback for a response started without a write through <see cref="CommitOnFirstWriteStream"/>:
    /// only the status can still say what happened (409, 503, 500); the body the endpoint writes follows.</summary>
    private async Task CommitOnStartingAsync()
    {
        if (await CommitBeforeResponseAsync().ConfigureAwait(false) is { } failure)
        {
            var response = _scope!.Context.Response;
            response.StatusCode = SessionProblem.StatusFor(failure, _settings.Options);
            SessionProblem.SetRetryAfter(response, _settings.Options);
        }
    }

    /// <summary>A conflict is expected traffic (a warning, no stack trace); a transient store failure was logged once per
    /// incident by the outage log; anything else is an error with its exception.</summary>
    private void LogCommitFailure(Exception failure)
    {
        switch (failure)
        {
            case SessionCommitConflictException { SessionEnded: true }:
                Log.CommitOnEndedSession(_settings.Logger, SessionValidation.Tag(_key));
                break;
            case SessionCommitConflictException:
                Log.CommitConflict(_settings.Logger, SessionValidation.Tag(_key));
                break;
            case SessionBusyException:
                Log.CommitBusy(_settings.Logger, SessionValidation.Tag(_key), failure.Message);
                break;
            case SessionStoreException { IsTransient: true }:
                Log.CommitUnavailable(_settings.Logger, SessionValidation.Tag(_key));
                break;
            default:
                Log.CommitFailed(_settings.Logger, SessionValidation.Tag(_key), failure);
                break;
        }
    }

    private async Task CommitCoreAsync(CancellationToken cancellationToken)
    {
        if (!RegeneratedCookieStillSet())
        {
            return;
        }

        // A regenerated id: what this request changed relative to the old id, kept past the commit for the retirement
        // (and for a commit retried after a cancelled one, which finds the change log cleared).
        if (_previous is not null)
        {
            _previous.Changes ??= _values.CopyChangeLog();
        }

        try
        {
            await CommitWriteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The session was not stored under a regenerated id: the browser keeps the old one.
            RestorePreviousCookie();
            throw;
        }

        if (_previous is { } previous)
        {
            // A regenerated id: the session is stored under its new id, so the old one goes.
            await RemovePreviousIdAsync(previous.Changes!, cancellationToken).ConfigureAwait(false);
            ForgetPreviousId();
        }

        if (_freshMove is { } moved && string.Equals(moved, _key, StringComparison.Ordinal))
        {
            // Stored under a fresh id because the cookie's was gone: the requests queued behind it follow (never after a
            // sign-in's regenerated id, which a request holding the old id must not be able to reach).
            _turn?.HandOver(_key);
        }
    }

    private async Task CommitWriteAsync(CancellationToken cancellationToken)
    {
        if (!_values.IsDirty)
        {
            if (_touchDue)
            {
                _touchDue = false;
                await WithIoTimeout(static (s, ct) => s._settings.Store.TouchAsync(s._key, s.SlideTtl(), ct), "touching", cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        if (RemainingLifetime() <= TimeSpan.Zero)
        {
            // The deadline passed while this request ran: destroy rather than write (DESIGN.md, TTL rule).
            await WithIoTimeout(static (s, ct) => s._settings.Store.DestroyAsync(s._key, ct), "destroying", cancellationToken).ConfigureAwait(false);
            Log.AbsoluteExpired(_settings.Logger, SessionValidation.Tag(_key));
            StartAfresh();
            MarkCommitted(0);
            return;
        }

        var ttl = SlideTtl();

        // Every write is a compare-and-set, last-write-wins included: an unconditional overwrite could land just after a
        // destroy ("sign out everywhere") and bring the session back.
        var policy = _settings.Options.ConflictPolicy;
        var backoff = new MergeBackoff(_settings.Options.CommitTimeout);
        byte[]? data = null;
        for (var attempt = 1; ; attempt++)
        {
            // Encoded once, and again only after a rebase changed the values.
            data ??= _values.Encode();
            var write = new SessionWrite(data, ttl, _values.Subject, _values.Version);
            var result = await WithIoTimeout(write, static (s, w, ct) => s._settings.Store.SetAsync(s._key, w, ct), "committing", cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                MarkCommitted(result.Version);
                return;
            }

            if (policy == SessionConflictPolicy.Fail)
            {
                throw new SessionCommitConflictException(_key, attempt);
            }

            // Commuting changes always merge; only a storm that outlasts the commit deadline gives up (503, not 409).
            if (!await backoff.WaitAsync(cancellationToken).ConfigureAwait(false))
            {
                throw SessionBusyException.CommitContended(_settings.Options.CommitTimeout, attempt);
            }

            Log.Merging(_settings.Logger, SessionValidation.Tag(_key), attempt, result.Version);
            if (policy == SessionConflictPolicy.LastWriteWins)
            {
                // Overwrite exactly the version just seen; a session destroyed meanwhile is not brought back with the view
                // this request loaded: as with a merge, only this request's own changes go into a new one, under a new id.
                if (result.Version == 0)
                {
                    _values.Rebase(_key, null, attempt, lastWriteWins: true);
                    data = null;
                }

                _values.Version = result.Version;
            }
            else
            {
                var latest = result.Version == 0
                    ? null
                    : await WithIoTimeout(static (s, ct) => s._settings.Store.GetAsync(s._key, ct), "re-reading", cancellationToken).ConfigureAwait(false);
                _values.Rebase(_key, latest, attempt);
                data = null;
            }

            if (_values.Version == 0)
            {
                // Destroyed or expired meanwhile: this request's own changes go into a new session, under a new id.
                MoveEndedSessionToFreshId(attempt);
            }
        }
    }

    private void MarkCommitted(long version)
    {
        _values.MarkCommitted(version);
        _touchDue = false;
    }
}
