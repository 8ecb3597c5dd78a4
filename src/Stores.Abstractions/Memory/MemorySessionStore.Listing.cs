using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SessionStores.Memory;

/// <summary>Listing, counting and destroying many sessions (the whole store or one subject's).</summary>
public sealed partial class MemorySessionStore
{
    /// <inheritdoc />
    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        return ListCore(query, cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        cancellationToken.ThrowIfCancellationRequested();
        var now = NowMs();
        long count = 0;
        foreach (var id in Candidates(query.Subject))
        {
            if (_entries.TryGetValue(id, out var e) && e.IsLive(now) && Matches(e, query.Subject))
            {
                count++;
            }
        }

        return Task.FromResult(count);
    }

    /// <inheritdoc />
    public Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        cancellationToken.ThrowIfCancellationRequested();
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

        return Task.FromResult(count);
    }

    private static bool Matches(Entry e, string? subject) => subject is null || string.Equals(e.Subject, subject, StringComparison.Ordinal);

    private async IAsyncEnumerable<SessionInfo> ListCore(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
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
