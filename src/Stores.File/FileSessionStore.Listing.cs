using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.File.Internal;

namespace SessionStores.File;

// Listing, counting and bulk deletion. A listing streams directory entries and opens one file at a time, so memory
// stays flat whatever the number of sessions. Listing by subject walks that subject's marker directory and checks
// every marker against the session file it names, so expired, destroyed and rebound sessions never show up.
public sealed partial class FileSessionStore
{
    /// <inheritdoc />
    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        ThrowIfDisposed();

        // Each step (reading the next file) has the operation timeout; the listing has none.
        return _runner.ListAsync(SessionStoreOperationNames.List, (Store: this, Query: query), static (s, ct) => s.Store.ListCoreAsync(s.Query, ct), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Each file (not the count as a whole) must be read within <see cref="SessionStoreOptions.OperationTimeout"/>.</remarks>
    public async Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        ThrowIfDisposed();

        return await _runner.RunStepsAsync(
            SessionStoreOperationNames.Count, (Store: this, Query: query), static (s, deadline) => s.Store.CountCoreAsync(s.Query, deadline), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>Each file (not the walk as a whole) must be deleted within <see cref="SessionStoreOptions.OperationTimeout"/>,
    /// its lock wait included.</remarks>
    public async Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        ThrowIfDisposed();

        return await _runner.RunStepsAsync(
            SessionStoreOperationNames.DestroyMany, (Store: this, Query: query), static (s, deadline) => s.Store.DestroyManyCoreAsync(s.Query, deadline), cancellationToken)
            .ConfigureAwait(false);
    }

    private async IAsyncEnumerable<SessionInfo> ListCoreAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var names = EnumerateFor(query.Subject).GetEnumerator();
        var yielded = 0;
        while (await NextListedAsync(names, query.Subject, query.IncludeData, cancellationToken).ConfigureAwait(false) is (true, _, var info))
        {
            if (info is not null)
            {
                yield return info;
                if (++yielded % query.PageSize == 0)
                {
                    // Let other work run between pages, as a networked store's round trip would.
                    await Task.Yield();
                }
            }
        }
    }

    private async Task<long> CountCoreAsync(SessionQuery query, SessionStoreDeadline deadline)
    {
        if (query.Subject is null)
        {
            return CountByStamp(deadline);
        }

        // A subject's markers may be stale, so each is checked against the session file it names.
        long count = 0;
        using var names = EnumerateFor(query.Subject).GetEnumerator();
        while (await NextListedAsync(names, query.Subject, includeData: false, deadline.Token, counting: true).ConfigureAwait(false) is (true, var counts, _))
        {
            if (counts)
            {
                count++;
            }

            deadline.Restart();
        }

        return count;
    }

    /// <summary>
    /// Counts every live session from the directory listing alone: each file's modification time is its expiry (see
    /// <see cref="ExpiryStamps"/>), so a count stats files instead of opening them. Only on a file system with coarse
    /// times is a file whose expiry is within a second or two of now opened to decide. A corrupt file counts while its
    /// stamp is in the future, as the shared corrupt-data policy allows.
    /// </summary>
    private long CountByStamp(SessionStoreDeadline deadline)
    {
        long count = 0;
        var nowMs = NowMs();
        var checkedAt = 0;
        using var entries = EnumerateStamped(_sessionsDirectory).GetEnumerator();
        while (MoveNextStamped(entries))
        {
            var (name, stamp) = entries.Current;
            if (++checkedAt % 4096 == 0)
            {
                deadline.Token.ThrowIfCancellationRequested();
                deadline.Restart();
            }

            if (ExpiryStamps.IsLive(stamp, nowMs, _exactStamps) is { } live)
            {
                count += live ? 1 : 0;
                continue;
            }

            deadline.Restart();
            var file = Read(name, expectedId: null, includeData: false, deadline.Token, throwIfCorrupt: false);
            count += file.Exists && (file.Header is null || file.IsLive(nowMs)) ? 1 : 0;
        }

        return count;
    }

    private async Task<long> DestroyManyCoreAsync(SessionQuery query, SessionStoreDeadline deadline)
    {
        long count = 0;
        var deletedAny = false;
        using var directory = OpenForFlush(_sessionsDirectory);
        using var names = EnumerateFor(query.Subject).GetEnumerator();
        while (MoveNext(names))
        {
            deadline.Restart();
            deadline.Token.ThrowIfCancellationRequested();
            var name = names.Current;
            using (await _locks.AcquireAsync(name, deadline.Token).ConfigureAwait(false))
            {
                // Not abandoned at the deadline (only cancelled): the lock must stay held until the delete has ended.
                var outcome = DeleteLocked(name, expectedId: null, query.Subject, deadline.Token);
                if (query.Subject is not null && outcome is not (DeleteOutcome.Live or DeleteOutcome.Expired))
                {
                    // A stale marker (its session is gone or bound to someone else), or the marker of a corrupt file.
                    RemoveMarker(query.Subject, name);
                }

                if (outcome is DeleteOutcome.Live or DeleteOutcome.Corrupt)
                {
                    count++;
                }

                deletedAny |= outcome is DeleteOutcome.Live or DeleteOutcome.Expired or DeleteOutcome.Corrupt;
            }
        }

        if (deletedAny)
        {
            // One flush makes every delete above durable before the count is reported ("sign out everywhere").
            await FlushSessionsAsync(directory).ConfigureAwait(false);
        }

        return count;
    }

    /// <summary>Reads the next entry: <c>Match</c> when it is a live match (or counts as one), with its
    /// <c>Info</c> unless counting.</summary>
    /// <remarks>A listing throws on a file it cannot decode. A count does not (the shared corrupt-data policy lets Count
    /// count such a record or not): it counts it, as <see cref="DestroyManyAsync"/> would delete and count it, except
    /// under a subject, which the file cannot be shown to carry.</remarks>
    private async ValueTask<(bool More, bool Match, SessionInfo? Info)> NextListedAsync(
        IEnumerator<string> names, string? subject, bool includeData, CancellationToken cancellationToken, bool counting = false)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!MoveNext(names))
        {
            return (false, false, null);
        }

        var name = names.Current;
        var file = Read(name, expectedId: null, includeData, cancellationToken, throwIfCorrupt: !counting);
        if (file is { Exists: true, Header: null })
        {
            return (true, subject is null, null);
        }

        if (subject is not null && (!file.Exists || !string.Equals(file.Header!.Value.Subject, subject, StringComparison.Ordinal)))
        {
            await CleanStaleMarkerAsync(subject, name, cancellationToken).ConfigureAwait(false);
            return (true, false, null);
        }

        var live = file.IsLive(NowMs());
        return (true, live, live && !counting ? file.ToInfo(includeData) : null);
    }

    /// <summary>Removes a marker whose session is gone or bound to another subject, re-checked under the session's
    /// lock (a writer may be binding it right now). Housekeeping: failures are logged, never thrown.</summary>
    private async ValueTask CleanStaleMarkerAsync(string subject, string fileName, CancellationToken cancellationToken)
    {
        try
        {
            using (await _locks.AcquireAsync(fileName, cancellationToken).ConfigureAwait(false))
            {
                var file = Read(fileName, expectedId: null, includeData: false, cancellationToken, throwIfCorrupt: false);
                if (!file.Exists || (file.Header is { } header && !string.Equals(header.Subject, subject, StringComparison.Ordinal)))
                {
                    RemoveMarker(subject, fileName);
                }
            }
        }
        catch (Exception ex) when (FileBackend.Instance.IsFailure(ex) || ex is TimeoutException)
        {
            Log.CleanupFailed(_logger, "subjects", FileBackend.Instance.Redact(ex));
        }
    }

    private IEnumerable<string> EnumerateFor(string? subject) =>
        EnumerateSessionFiles(subject is null ? _sessionsDirectory : SubjectDirectory(subject));

    // A subject's directory disappears when its last marker goes; that is an empty listing, not an error.
    private static bool MoveNext(IEnumerator<string> names)
    {
        try
        {
            return names.MoveNext();
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
    }
}
