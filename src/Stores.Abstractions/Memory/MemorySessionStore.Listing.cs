using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Memory;

// Listing, counting and destroying many sessions (the whole store or one subject's).
public sealed partial class MemorySessionStore
{
    /// <inheritdoc />
    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        return ListCoreAsync(query, cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        cancellationToken.ThrowIfCancellationRequested();
        return Run(SessionStoreOperationNames.Count, (Store: this, Query: query), static s => s.Store.CountCore(s.Query));
    }

    /// <inheritdoc />
    public Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        cancellationToken.ThrowIfCancellationRequested();
        return Run(
            SessionStoreOperationNames.DestroyMany, (Store: this, Query: query, Token: cancellationToken), static s => s.Store.DestroyManyCore(s.Query, s.Token));
    }

    private long CountCore(SessionQuery query)
    {
        var now = NowMs();
        long count = 0;
        foreach (var id in Candidates(query.Subject))
        {
            if (_entries.TryGetValue(id, out var e) && e.IsLive(now) && Matches(e, query.Subject))
            {
                count++;
            }
        }

        return count;
    }

    private long DestroyManyCore(SessionQuery query, CancellationToken cancellationToken)
    {
        var now = NowMs();
        long count = 0;
        foreach (var id in Candidates(query.Subject))
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (LockFor(id))
            {
                if (_entries.TryGetValue(id, out var e) && Matches(e, query.Subject))
                {
                    if (e.IsLive(now))
                    {
                        count++;
                    }

                    RemoveLocked(id, e);
                }
            }
        }

        return count;
    }

    private static bool Matches(Entry e, string? subject) => subject is null || string.Equals(e.Subject, subject, StringComparison.Ordinal);

    // Timed from the first item to the end of the listing (or the consumer stopping), as the runner times a listing.
    private async IAsyncEnumerable<SessionInfo> ListCoreAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var telemetry = SessionStoreOperation.Start(SystemName, SessionStoreOperationNames.List);
        try
        {
            var yielded = 0;
            foreach (var id in Candidates(query.Subject))
            {
                // The clock is read per entry: a listing can be slow (the consumer awaits between items), and a session that
                // expired meanwhile must not appear.
                if (_entries.TryGetValue(id, out var e) && e.IsLive(NowMs()) && Matches(e, query.Subject))
                {
                    yield return e.ToInfo(id, query.IncludeData);
                    if (++yielded % query.PageSize == 0)
                    {
                        // Give other work a turn between pages, as a networked store would.
                        await Task.Yield();
                        cancellationToken.ThrowIfCancellationRequested();
                    }
                }
            }
        }
        finally
        {
            // The only failure a listing here can meet is the caller's cancellation.
            if (cancellationToken.IsCancellationRequested)
            {
                telemetry.Fail(new OperationCanceledException(cancellationToken));
            }
            else
            {
                telemetry.Complete();
            }
        }
    }

    private IEnumerable<string> Candidates(string? subject)
    {
        if (subject is null)
        {
            foreach (var pair in _entries)
            {
                yield return pair.Key;
            }
        }
        else if (_subjects.TryGetValue(subject, out var ids))
        {
            foreach (var pair in ids)
            {
                yield return pair.Key;
            }
        }
    }
}
