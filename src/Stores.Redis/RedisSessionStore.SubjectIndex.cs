using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Redis.Internal;
using StackExchange.Redis;

namespace SessionStores.Redis;

// The per-subject index (a sorted set of ids scored by how far each entry reaches): extended after writes and touches
// that outrun it, including on behalf of a caller who stopped waiting, and cleared of entries found stale on read.
public sealed partial class RedisSessionStore
{
    private Task AddToSubjectIndexAsync(IDatabase db, string id, string subject, long horizonMs) =>
        RedisCommands.IndexAdd.EvaluateAsync(db, [_keys.Subject(subject)], [id, horizonMs, RedisCommands.ClockAllowanceMs]);

    /// <summary>
    /// A write or touch moved a session's expiry past what its subject index entry covers: extend the entry first, then
    /// record the new horizon in the session so that the next writes and touches need not do this again. Runs at most
    /// about once per TTL period of a session, and never for sessions without a subject. Takes no cancellation token:
    /// once started, it completes (the header must never claim an index coverage that the index does not have).
    /// <paramref name="identity"/> (the header's version and created-at, as stored) makes the record step a no-op on any
    /// later version of the session: a late one could otherwise claim coverage for a rebinding whose own index update
    /// failed.
    /// </summary>
    private async Task ExtendSubjectIndexAsync(IDatabase db, string id, string subject, long horizonMs, RedisValue identity)
    {
        await AddToSubjectIndexAsync(db, id, subject, horizonMs).ConfigureAwait(false);
        await RedisCommands.SetHorizon.EvaluateAsync(db, [_keys.Session(id)], [Encoding.UTF8.GetBytes(subject), horizonMs, identity]).ConfigureAwait(false);
    }

    /// <summary>The subject index update a successful script result calls for, or <see langword="null"/> for none.
    /// <paramref name="subject"/>: the session's subject when the caller knows it (Set; GetAndTouch once decoded), else
    /// read from the result.</summary>
    private Task? IndexUpdateAfter(IndexFollowUp kind, RedisResult result, IDatabase db, string id, string? subject)
    {
        switch (kind)
        {
            case IndexFollowUp.Set:
                if (result.Resp2Type != ResultType.Array)
                {
                    return null;
                }

                var written = (RedisResult[])result!;
                return ExtendSubjectIndexAsync(db, id, subject!, (long)written[1], (RedisValue)written[2]);
            case IndexFollowUp.GetAndTouch:
                if (result.IsNull)
                {
                    return null;
                }

                var parts = (RedisResult[])result!;
                var horizon = (long)parts[2];
                if (horizon <= 0)
                {
                    return null;
                }

                ReadOnlyMemory<byte> value = (RedisValue)parts[0];
                subject ??= RedisCodec.DecodeHeader(id, value.Span, requireWholeSubject: true).Subject!;
                return ExtendSubjectIndexAsync(db, id, subject, horizon, RedisCodec.Identity(value.Span));
            default:
                if (result.Resp2Type != ResultType.Array)
                {
                    return null;
                }

                var touched = (RedisResult[])result!;
                return ExtendSubjectIndexAsync(db, id, (string)touched[1]!, (long)touched[0], (RedisValue)touched[2]);
        }
    }

    /// <summary>
    /// Waits for a session's script. Should the caller stop waiting (its cancellation, or the deadline) after the script
    /// was sent, the script may still commit on the server: the subject index update its result calls for
    /// (<paramref name="followUp"/>, if any) is then made in the background. A reply saying the session's record is not a
    /// session is <see cref="SessionDataCorruptedException"/>.
    /// </summary>
    private async Task<RedisResult> AwaitScriptAsync(
        Task<RedisResult> script, IDatabase db, string id, IndexFollowUp? followUp, string? subject, CancellationToken cancellationToken)
    {
        try
        {
            // Without a follow-up, the runner's own wait already bounds this one: the script is awaited as it is, sparing
            // a second cancellable wait on the common write path (a write without a subject).
            return await (followUp is null ? script : script.WaitAsync(cancellationToken)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && followUp is { } kind)
        {
            _ = FollowUpDetachedAsync(script, db, id, kind, subject);
            throw;
        }
        catch (RedisServerException ex) when (RedisBackend.Corruption(id, ex) is { } corrupt)
        {
            throw corrupt;
        }
    }

    /// <summary>
    /// Waits for a subject index update on the caller's behalf. The update itself never depends on the caller's token:
    /// should the caller stop waiting, it still completes, and a failure is logged rather than left unobserved.
    /// </summary>
    private async Task WaitForIndexAsync(Task indexWrite, string operation, string id, CancellationToken cancellationToken)
    {
        try
        {
            await indexWrite.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _ = LogIfIndexWriteFailsAsync(indexWrite, operation, id);
            throw;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Not the session's own error (a wrong-type index key is not a corrupt session), and not the runner's to word:
            // the session was written, which the caller must learn.
            throw new SessionStoreException(
                SessionStoreErrors.FailureMessage(_backend, operation, "the session was written, "
                    + $"but its subject index could not be extended: {ex.Message}. The session may be missing from its subject's "
                    + "listings until its next write or touch, which repeats the update."),
                ex,
                _backend.IsTransient(ex));
        }
    }

    /// <summary>
    /// The caller stopped waiting for <paramref name="script"/>, which was sent and may still commit on the server: once
    /// it completes, make the subject index update its result calls for, as the operation would have. Never faults.
    /// </summary>
    private async Task FollowUpDetachedAsync(Task<RedisResult> script, IDatabase db, string id, IndexFollowUp kind, string? subject)
    {
        var operation = kind switch
        {
            IndexFollowUp.Set => SessionStoreOperationNames.Set,
            IndexFollowUp.GetAndTouch => SessionStoreOperationNames.GetAndTouch,
            _ => SessionStoreOperationNames.Touch,
        };
        Task? indexWrite;
        try
        {
            indexWrite = IndexUpdateAfter(kind, await script.ConfigureAwait(false), db, id, subject);
        }
        catch (Exception ex)
        {
            // The script failed (or its reply does not decode): nothing to follow up, and nobody is waiting for the error.
            Log.AbandonedOperationFailed(_logger, operation, SessionValidation.Tag(id), ex);
            return;
        }

        if (indexWrite is not null)
        {
            await LogIfIndexWriteFailsAsync(indexWrite, operation, id).ConfigureAwait(false);
        }
    }

    /// <summary>Observes a subject index update nobody waits for any more; a failure is logged. Never faults.</summary>
    private async Task LogIfIndexWriteFailsAsync(Task indexWrite, string operation, string id)
    {
        try
        {
            await indexWrite.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.IndexWriteFailed(_logger, operation, SessionValidation.Tag(id), ex);
        }
    }

    /// <summary>Which operation's subject index update a script result calls for.</summary>
    private enum IndexFollowUp
    {
        Set,
        GetAndTouch,
        Touch,
    }

    private async Task RemoveStaleAsync(IDatabase db, RedisKey indexKey, List<SortedSetEntry> entries, CancellationToken cancellationToken)
    {
        var tasks = new Task<RedisResult>[entries.Count];
        var keys = new RedisKey[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            keys[i] = indexKey;

            // Removed only if the score is still the one read: a concurrent write of that session renews the score.
            tasks[i] = RedisCommands.IndexRemoveIfUnchanged.EvaluateAsync(db, [indexKey], [entries[i].Element, entries[i].Score.ToString("R", CultureInfo.InvariantCulture)]);
        }

        await WhenAllAsync(tasks, keys, cancellationToken).ConfigureAwait(false);
        Log.StaleIndexEntriesRemoved(_logger, entries.Count);
    }
}
