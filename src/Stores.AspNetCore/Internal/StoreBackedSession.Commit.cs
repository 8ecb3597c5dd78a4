using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace SessionStores.AspNetCore.Internal;

/// <summary>The commit: nothing when nothing changed, otherwise compare-and-set with the configured conflict policy.</summary>
internal sealed partial class StoreBackedSession
{
    private int _mergeAttempt;
    private ChangeTracking? _previousTracking;
    private SessionWrite _pendingWrite;

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
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
            if (IsSessionMiddlewareCommit)
            {
                // The session middleware catches and only logs what this throws: report it to the request scope, which
                // turns it into a status code (or aborts a started response), so no failed write looks like a success.
                _scope?.ReportCommitFailure(ex, answered: false);
            }

            // Otherwise the application called CommitAsync itself and gets the exception: handling it is its choice
            // (and the middleware's final commit will not write over it).
            Log.CommitFailed(_settings.Logger, SessionValidation.Tag(_key), ex);
            throw;
        }
    }

    /// <summary>Whether this commit is the session middleware's own, at the end of the request: it removes the session
    /// feature before it commits, while an application's call still has it.</summary>
    private bool IsSessionMiddlewareCommit => _scope?.Context.Features.Get<ISessionFeature>() is null;

    private async Task CommitBeforeResponseAsync()
    {
        if (_state != State.Loaded || _commitFailure is not null)
        {
            return;
        }

        var context = _scope!.Context;

        // Not the request's token: once the endpoint has run, its changes are stored even if the client hangs up
        // meanwhile, so whether a write lands never depends on when the client went away (a cancelled write may or may
        // not have reached the store). Each store call stays bounded by the I/O timeout; with no I/O timeout, the
        // request's token bounds it instead, so that a hung store cannot hold a dead request forever.
        var cancellationToken = _ioTimeout == Timeout.InfiniteTimeSpan ? context.RequestAborted : CancellationToken.None;
        try
        {
            await CommitCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Throwing here would make Kestrel answer a bare 500; the headers are still ours to set, so the status says
            // what happened (409 conflict, 503 store unavailable, 500 otherwise). The body the endpoint is writing
            // still follows: the status, not the body, is the truth for this response.
            _commitFailure = ex;
            Log.CommitFailed(_settings.Logger, SessionValidation.Tag(_key), ex);
            context.Response.StatusCode = SessionRequestScopeMiddleware.StatusFor(ex, _settings.Options);
            if (context.Response.StatusCode == StatusCodes.Status503ServiceUnavailable)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            _scope.ReportCommitFailure(ex, answered: true);
        }
    }

    private async Task CommitCoreAsync(CancellationToken cancellationToken)
    {
        // A regenerated id: what this request changed relative to the old id, kept past the commit for the retirement
        // (and for a commit retried after a cancelled one, which finds the tracking fields cleared).
        if (_previousKey is not null)
        {
            _previousTracking ??= new ChangeTracking(
                _changes is null ? null : new(_changes, StringComparer.Ordinal),
                _originals is null ? null : new(_originals, StringComparer.Ordinal),
                _cleared,
                _subjectChanged);
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

        if (_previousKey is not null)
        {
            // A regenerated id: the session is stored under its new id, so the old one goes.
            await RemovePreviousIdAsync(_previousTracking!, cancellationToken).ConfigureAwait(false);
            ForgetPreviousId();
        }
    }

    /// <summary>
    /// After a regenerated session was stored under its new id: retire and destroy the old one. The sign-in itself has
    /// succeeded by then, so a store failure here is logged (event 10) rather than failing the request: failing it would
    /// send the browser back to an old id that may already be retired. Only a conflict with another request's change
    /// (see <see cref="RetirePreviousIdAsync"/>) fails it, with 409.
    /// </summary>
    private async Task RemovePreviousIdAsync(ChangeTracking tracking, CancellationToken cancellationToken)
    {
        try
        {
            if (await RetirePreviousIdAsync(tracking, cancellationToken).ConfigureAwait(false))
            {
                await WithIoTimeout(static (s, ct) => s._settings.Store.DestroyAsync(s._previousKey!, ct), "destroying the previous id of", cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not SessionCommitConflictException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            Log.PreviousIdNotRetired(_settings.Logger, SessionValidation.Tag(_previousKey!), SessionValidation.Tag(_key), ex);
        }
    }

    /// <summary>
    /// Before the old id of a regenerated session is destroyed: unless the policy is last-write-wins, make sure no other
    /// request changed (or created) it since this one loaded it, or that change, already acknowledged to its client,
    /// would be destroyed with it. A compare-and-set against the loaded version (0: create-only) replaces it with an
    /// empty record that expires at once. If that loses, <see cref="SessionConflictPolicy.Merge"/> merges the other
    /// request's changes into the new id as in any conflict (different keys both win) and tries again. When the changes
    /// cannot be merged (the same key, the <see cref="SessionConflictPolicy.Fail"/> policy, or too many attempts) and the
    /// response has not started, the new id's record goes instead, the browser keeps the old id with the other request's
    /// change, and this request fails with <see cref="SessionCommitConflictException"/> (409), to be retried. If the
    /// response has started (the browser has the new id), both are kept and a warning is logged (event 9).
    /// </summary>
    /// <returns>Whether the old id may be destroyed.</returns>
    private async Task<bool> RetirePreviousIdAsync(ChangeTracking tracking, CancellationToken cancellationToken)
    {
        var policy = _settings.Options.ConflictPolicy;
        if (policy == SessionConflictPolicy.LastWriteWins)
        {
            return true;
        }

        var expected = _previousVersion;
        var emptyPayload = SessionPayload.Encode(_createdAtMs, Empty());
        var maxAttempts = policy == SessionConflictPolicy.Fail ? 1 : Math.Max(1, _settings.Options.MaxMergeAttempts);
        var merging = false;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var retire = new SessionWrite(emptyPayload, TimeSpan.FromMilliseconds(1), null, expected);
                var retired = await WithIoTimeout(
                    (s, ct) => s._settings.Store.SetAsync(s._previousKey!, retire, ct), "retiring the previous id of", cancellationToken).ConfigureAwait(false);
                if (retired.Succeeded || retired.Version == 0)
                {
                    // Retired, or already gone (destroyed or expired meanwhile): nothing of another request is lost.
                    return true;
                }

                if (attempt < maxAttempts)
                {
                    try
                    {
                        _mergeAttempt = attempt;
                        merging = true;
                        if (await MergePreviousIdAsync(tracking, attempt == 1, cancellationToken).ConfigureAwait(false) is not { } merged)
                        {
                            return true;
                        }

                        expected = merged;
                        continue;
                    }
                    catch (SessionCommitConflictException)
                    {
                        // The same key changed on both sides (or this request cleared the session): not mergeable.
                    }
                }

                var previous = _previousKey!;
                if (_scope?.Context is not { Response.HasStarted: false })
                {
                    Log.PreviousIdKept(_settings.Logger, SessionValidation.Tag(previous), SessionValidation.Tag(_key));
                    return false;
                }

                await WithIoTimeout(static (s, ct) => s._settings.Store.DestroyAsync(s._key, ct), "destroying the new id of", cancellationToken).ConfigureAwait(false);
                RestorePreviousCookie();
                throw new SessionCommitConflictException(previous, attempt);
            }
        }
        finally
        {
            if (merging)
            {
                // The change tracking restored for a merge is done with, whatever the outcome: the version and the view
                // are the new id's as last stored.
                MarkCommitted(_version);
            }
        }
    }

    /// <summary>
    /// Merges the other request's changes of the old id into the new id's record: re-reads the old id, re-applies this
    /// request's own changes to it key by key (as a commit conflict does), and stores the result under the new id with a
    /// compare-and-set. Returns the old id's version to retire next, or <see langword="null"/> when the old id is gone.
    /// </summary>
    private async Task<long?> MergePreviousIdAsync(ChangeTracking tracking, bool first, CancellationToken cancellationToken)
    {
        var latest = await WithIoTimeout(static (s, ct) => s._settings.Store.GetAsync(s._previousKey!, ct), "re-reading the previous id of", cancellationToken).ConfigureAwait(false);
        if (latest is null)
        {
            return null;
        }

        if (tracking.Cleared)
        {
            // This request emptied the session: a merge would drop the other request's change, and then destroy it.
            throw new SessionCommitConflictException(_key, _mergeAttempt);
        }

        if (first)
        {
            (_changes, _originals, _cleared, _subjectChanged) = (tracking.Changes, tracking.Originals, tracking.Cleared, tracking.SubjectChanged);
        }

        // Rebase moves the view onto the old id's latest version; until the merged view is stored under the new id, the
        // session stays what the new id holds.
        var stored = (_version, _values, _subject, _createdAtMs);
        try
        {
            Rebase(latest);
            var previousVersion = _version;
            var merged = new SessionWrite(SessionPayload.Encode(_createdAtMs, _values), SlideTtl(), _subject, stored._version);
            var written = await WithIoTimeout((s, ct) => s._settings.Store.SetAsync(s._key, merged, ct), "merging into the regenerated id of", cancellationToken).ConfigureAwait(false);
            if (!written.Succeeded)
            {
                // The new id changed too (its cookie is out): nothing safe to merge into.
                throw new SessionCommitConflictException(_key, _mergeAttempt);
            }

            _version = written.Version;
            return previousVersion;
        }
        catch
        {
            (_version, _values, _subject, _createdAtMs) = stored;
            throw;
        }
    }

    /// <summary>This request's changes relative to the old id of a regenerated session.</summary>
    private sealed record ChangeTracking(
        Dictionary<string, byte[]?>? Changes, Dictionary<string, byte[]?>? Originals, bool Cleared, bool SubjectChanged);

    private async Task CommitWriteAsync(CancellationToken cancellationToken)
    {
        if (!_dirty)
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
            StartEmpty();
            MarkCommitted(0);
            return;
        }

        var ttl = SlideTtl();

        // Every write is a compare-and-set, last-write-wins included: an unconditional overwrite could land just after a
        // destroy ("sign out everywhere") and bring the session back.
        var policy = _settings.Options.ConflictPolicy;
        var maxAttempts = policy == SessionConflictPolicy.Fail ? 1 : Math.Max(1, _settings.Options.MaxMergeAttempts);
        byte[]? data = null;
        for (var attempt = 1; ; attempt++)
        {
            // Encoded once, and again only after a rebase changed the values.
            data ??= SessionPayload.Encode(_createdAtMs, _values);
            var result = await SetAsync(new SessionWrite(data, ttl, _subject, _version), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                MarkCommitted(result.Version);
                return;
            }

            if (attempt >= maxAttempts)
            {
                throw new SessionCommitConflictException(_key, attempt);
            }

            Log.Merging(_settings.Logger, SessionValidation.Tag(_key), attempt, result.Version);
            _mergeAttempt = attempt;
            if (policy == SessionConflictPolicy.LastWriteWins)
            {
                // Overwrite exactly the version just seen; a session destroyed meanwhile is not brought back with the view
                // this request loaded: as with a merge, only this request's own changes go into a new one.
                if (result.Version == 0)
                {
                    Rebase(null, lastWriteWins: true);
                    data = null;
                }

                _version = result.Version;
            }
            else
            {
                var latest = result.Version == 0
                    ? null
                    : await WithIoTimeout(static (s, ct) => s._settings.Store.GetAsync(s._key, ct), "re-reading", cancellationToken).ConfigureAwait(false);
                Rebase(latest);
                data = null;
            }
        }
    }

    private Task<SessionSetResult> SetAsync(SessionWrite write, CancellationToken cancellationToken)
    {
        // Through a field, so that the callback captures nothing (no closure per commit).
        _pendingWrite = write;
        return WithIoTimeout(static (s, ct) => s._settings.Store.SetAsync(s._key, s._pendingWrite, ct), "committing", cancellationToken);
    }

    /// <summary>Replays this request's own changes onto the latest stored version (per-key merge). With
    /// <paramref name="lastWriteWins"/> a key changed by both requests is not a conflict: this request's value wins.</summary>
    private void Rebase(SessionRecord? latest, bool lastWriteWins = false)
    {
        Dictionary<string, byte[]> values;
        if (latest is null)
        {
            // Destroyed or expired meanwhile (e.g. "sign out everywhere"): start from nothing, and never re-bind the old
            // subject unless this request bound it itself.
            values = Empty();
            if (!_cleared && !lastWriteWins)
            {
                ThrowOnSameKeyConflict(values);
            }

            _version = 0;
            _subject = _subjectChanged ? _subject : null;
        }
        else
        {
            var latestValues = SessionPayload.Decode(_key, latest.Data.Span, out _createdAtMs);
            if (!_cleared && !lastWriteWins)
            {
                ThrowOnSameKeyConflict(latestValues);
            }

            values = _cleared ? Empty() : latestValues;
            _version = latest.Version;
            _subject = _subjectChanged ? _subject : latest.Subject;
        }

        if (_changes is not null)
        {
            foreach (var (key, value) in _changes)
            {
                if (value is null)
                {
                    values.Remove(key);
                }
                else
                {
                    values[key] = value;
                }
            }
        }

        _values = values;
    }

    /// <summary>
    /// A key this request changed that the other request changed too (to something else) cannot be merged without
    /// losing one of the two updates (a counter incremented twice would count once): that is a conflict, not a merge.
    /// </summary>
    private void ThrowOnSameKeyConflict(Dictionary<string, byte[]> latestValues)
    {
        if (_changes is null)
        {
            return;
        }

        foreach (var (key, ours) in _changes)
        {
            latestValues.TryGetValue(key, out var theirs);
            byte[]? original = null;
            _originals?.TryGetValue(key, out original);
            if (!BytesEqual(theirs, original))
            {
                throw new SessionCommitConflictException(_key, _mergeAttempt);
            }

            _originals![key] = theirs;
        }
    }

    private static bool BytesEqual(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    private void MarkCommitted(long version)
    {
        _version = version;
        _changes = null;
        _originals = null;
        _cleared = false;
        _subjectChanged = false;
        _dirty = false;
        _touchDue = false;
    }
}
