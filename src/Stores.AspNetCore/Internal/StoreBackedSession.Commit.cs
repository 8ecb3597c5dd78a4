using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.AspNetCore.Internal;

/// <summary>The commit: nothing when nothing changed, otherwise compare-and-set with the configured conflict policy.</summary>
internal sealed partial class StoreBackedSession
{
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
            // The session middleware catches and only logs what this throws: report it to the request scope, which
            // turns it into a status code (or aborts a started response), so no failed write looks like a success.
            _commitFailure = ex;
            _scope?.ReportCommitFailure(ex);
            Log.CommitFailed(_settings.Logger, SessionValidation.Shorten(_key), ex);
            throw;
        }
    }

    private async Task CommitBeforeResponseAsync()
    {
        if (_state != State.Loaded || _commitFailure is not null)
        {
            return;
        }

        try
        {
            await CommitCoreAsync(_scope!.Context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Thrown into the write that started the response, so it reaches the application and the scope middleware.
            _commitFailure = ex;
            _scope?.ReportCommitFailure(ex);
            Log.CommitFailed(_settings.Logger, SessionValidation.Shorten(_key), ex);
            throw;
        }
    }

    private async Task CommitCoreAsync(CancellationToken cancellationToken)
    {
        if (!_dirty)
        {
            if (_touchDue)
            {
                _touchDue = false;
                await WithIoTimeout(static (s, ct) => s._settings.Store.TouchAsync(s._key, s._idleTimeout, ct), "touching", cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var ttl = _idleTimeout;
        if (_settings.Options.AbsoluteTimeout is { } absolute)
        {
            var remaining = DateTimeOffset.FromUnixTimeMilliseconds(_createdAtMs) + absolute - _settings.Time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                // The deadline passed while this request ran: destroy rather than write (DESIGN.md, TTL rule).
                await WithIoTimeout(static (s, ct) => s._settings.Store.DestroyAsync(s._key, ct), "destroying", cancellationToken).ConfigureAwait(false);
                Log.AbsoluteExpired(_settings.Logger, SessionValidation.Shorten(_key));
                StartEmpty();
                MarkCommitted(0);
                return;
            }

            ttl = remaining < ttl ? remaining : ttl;
        }

        if (_settings.Options.ConflictPolicy == SessionConflictPolicy.LastWriteWins)
        {
            var result = await SetAsync(ttl, expectedVersion: null, cancellationToken).ConfigureAwait(false);
            MarkCommitted(result.Version);
            return;
        }

        var maxAttempts = _settings.Options.ConflictPolicy == SessionConflictPolicy.Fail ? 1 : Math.Max(1, _settings.Options.MaxMergeAttempts);
        for (var attempt = 1; ; attempt++)
        {
            var result = await SetAsync(ttl, _version, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                MarkCommitted(result.Version);
                return;
            }

            if (attempt >= maxAttempts)
            {
                throw new SessionCommitConflictException(_key, attempt);
            }

            Log.Merging(_settings.Logger, SessionValidation.Shorten(_key), attempt, result.Version);
            var latest = result.Version == 0
                ? null
                : await WithIoTimeout(static (s, ct) => s._settings.Store.GetAsync(s._key, ct), "re-reading", cancellationToken).ConfigureAwait(false);
            Rebase(latest);
        }
    }

    private Task<SessionSetResult> SetAsync(TimeSpan ttl, long? expectedVersion, CancellationToken cancellationToken)
    {
        var data = SessionPayload.Encode(_createdAtMs, _values);
        var write = new SessionWrite(data, ttl, _subject, expectedVersion);
        return WithIoTimeout((s, ct) => s._settings.Store.SetAsync(s._key, write, ct), "committing", cancellationToken);
    }

    /// <summary>Replays this request's own changes onto the latest stored version (per-key merge).</summary>
    private void Rebase(SessionRecord? latest)
    {
        Dictionary<string, byte[]> values;
        if (latest is null)
        {
            // Destroyed or expired meanwhile (e.g. "sign out everywhere"): start from nothing, and never re-bind the old
            // subject unless this request bound it itself.
            values = Empty();
            _version = 0;
            _subject = _subjectChanged ? _subject : null;
        }
        else
        {
            var latestValues = SessionPayload.Decode(_key, latest.Data.Span, out _createdAtMs);
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

    private void MarkCommitted(long version)
    {
        _version = version;
        _changes = null;
        _cleared = false;
        _subjectChanged = false;
        _dirty = false;
        _touchDue = false;
    }
}
