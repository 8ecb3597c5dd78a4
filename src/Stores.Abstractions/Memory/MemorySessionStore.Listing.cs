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
        if (query.Subject is null)
        {
            foreach (var shard in _shards)
            {
                lock (shard)
                {
                    foreach (var slot in shard.Slots.Values)
                    {
                        count += slot.IsLive(now) ? 1 : 0;
                    }
                }
            }

            return count;
        }

        foreach (var id in SubjectCandidates(query.Subject))
        {
            var shard = ShardFor(id);
            lock (shard)
            {
                ref var slot = ref shard.Find(id);
                count += !Unsafe.IsNullRef(ref slot) && slot.IsLive(now) && Matches(slot, query.Subject) ? 1 : 0;
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
            var shard = ShardFor(id);
            lock (shard)
            {
                ref var slot = ref shard.Find(id);
                if (!Unsafe.IsNullRef(ref slot) && Matches(slot, query.Subject))
                {
                    count += slot.IsLive(now) ? 1 : 0;
                    RemoveLocked(shard, id, slot.Subject);
                }
            }
        }

        return count;
    }

    private static bool Matches(in Slot slot, string? subject) => subject is null || string.Equals(slot.Subject, subject, StringComparison.Ordinal);

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
                if (TryGetInfo(id, query) is { } info)
                {
                    yield return info;
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

    private SessionInfo? TryGetInfo(string id, SessionQuery query)
    {
        var shard = ShardFor(id);
        lock (shard)
        {
            ref var slot = ref shard.Find(id);
            return !Unsafe.IsNullRef(ref slot) && slot.IsLive(NowMs()) && Matches(slot, query.Subject) ? slot.ToInfo(id, query.IncludeData) : null;
        }
    }

    // The ids to look at, each looked up again under its shard's lock. A shard's ids are copied out while it is locked
    // (enumerating it unlocked would race with writers), one shard at a time, so memory stays at one shard's ids.
    private IEnumerable<string> Candidates(string? subject) => subject is null ? AllIds() : SubjectCandidates(subject);

    private IEnumerable<string> AllIds()
    {
        foreach (var shard in _shards)
        {
            string[] ids;
            lock (shard)
            {
                ids = [.. shard.Slots.Keys];
            }

            foreach (var id in ids)
            {
                yield return id;
            }
        }
    }

    private IEnumerable<string> SubjectCandidates(string subject)
    {
        if (_subjects.TryGetValue(subject, out var ids))
        {
            foreach (var pair in ids)
            {
                yield return pair.Key;
            }
        }
    }
}
