using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Redis.Internal;
using StackExchange.Redis;

namespace SessionStores.Redis;

// Listing, counting and bulk deletes. Without a subject they SCAN every primary (a cluster's keys are spread over
// them) with an escaped MATCH pattern and then look the found keys up page by page, pipelined. With a subject they
// read the subject's index (a sorted set of ids) and verify every entry against its session before using it.
public sealed partial class RedisSessionStore
{
    /// <inheritdoc />
    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);

        // Each step (a page read, or an item of a page already read) has the operation timeout; the listing has none.
        return _runner.ListAsync(SessionStoreOperationNames.List, (Store: this, Query: query), static (s, ct) => s.Store.ListCoreAsync(s.Query, ct), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Each page (not the count as a whole) must be read within <see cref="SessionStoreOptions.OperationTimeout"/>.</remarks>
    public async Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        return await _runner.RunStepsAsync(
            SessionStoreOperationNames.Count, (Store: this, Query: query), static (s, deadline) => s.Store.CountCoreAsync(s.Query, deadline), cancellationToken)
            .ConfigureAwait(false);
    }

    private async Task<long> CountCoreAsync(SessionQuery query, SessionStoreDeadline deadline)
    {
        var cancellationToken = deadline.Token;
        long count = 0;
        if (query.Subject is not null)
        {
            await foreach (var info in ListSubjectAsync(query with { IncludeData = false }, cancellationToken, countOnly: true).ConfigureAwait(false))
            {
                count++;
                deadline.Restart();
            }

            return count;
        }

        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        return await CountSessionKeysAsync(db, query.PageSize, deadline, static (database, key) => database.KeyExistsAsync(key)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>With <see cref="SessionQuery.All"/> only session keys are deleted; subject index keys are left to expire
    /// by themselves (their entries are verified on every read), so that a session created during the delete stays
    /// listed under its subject. Each page (not the walk as a whole) must be done within
    /// <see cref="SessionStoreOptions.OperationTimeout"/>.</remarks>
    public async Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        return await _runner.RunStepsAsync(
            SessionStoreOperationNames.DestroyMany, (Store: this, Query: query), static (s, deadline) => s.Store.DestroyManyCoreAsync(s.Query, deadline), cancellationToken)
            .ConfigureAwait(false);
    }

    private async Task<long> DestroyManyCoreAsync(SessionQuery query, SessionStoreDeadline deadline)
    {
        var db = await DatabaseAsync(deadline.Token).ConfigureAwait(false);
        try
        {
            return query.Subject is null
                ? await DestroyAllAsync(db, query.PageSize, deadline).ConfigureAwait(false)
                : await DestroySubjectAsync(db, query.Subject, query.PageSize, deadline).ConfigureAwait(false);
        }
        finally
        {
            // Also after a failure part-way: whatever was deleted must leave the near caches.
            AnnounceAllChanged(db);
        }
    }

    private async IAsyncEnumerable<SessionInfo> ListCoreAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (query.Subject is not null)
        {
            await foreach (var info in ListSubjectAsync(query, cancellationToken).ConfigureAwait(false))
            {
                yield return info;
            }

            yield break;
        }

        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        foreach (var server in Primaries())
        {
            await foreach (var page in ScanSessionPagesAsync(server, query.PageSize, cancellationToken).ConfigureAwait(false))
            {
                var ids = new string[page.Count];
                for (var i = 0; i < page.Count; i++)
                {
                    ids[i] = _keys.TryGetSessionId(page[i])!;
                }

                var infos = await FetchAsync(db, ids, query.IncludeData, cancellationToken).ConfigureAwait(false);
                foreach (var info in infos)
                {
                    if (info is not null)
                    {
                        yield return info;
                    }
                }
            }
        }
    }

    /// <summary>Lists a subject's live sessions from its index, removing entries found stale. With
    /// <paramref name="countOnly"/>, a record that cannot be decoded is left out (and its entry kept) instead of failing
    /// the count, as the corrupt-data policy lets Count do: it cannot be shown to belong to the subject.</summary>
    private async IAsyncEnumerable<SessionInfo> ListSubjectAsync(
        SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken, bool countOnly = false)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var subject = query.Subject!;
        var indexKey = _keys.Subject(subject);
        await foreach (var page in ScanIndexPagesAsync(db, indexKey, query.PageSize, cancellationToken).ConfigureAwait(false))
        {
            var ids = new string[page.Count];
            for (var i = 0; i < page.Count; i++)
            {
                ids[i] = (string)page[i].Element!;
            }

            var undecodable = countOnly ? new bool[ids.Length] : null;
            var infos = await FetchAsync(db, ids, query.IncludeData, cancellationToken, undecodable).ConfigureAwait(false);
            List<SortedSetEntry>? stale = null;
            for (var i = 0; i < infos.Length; i++)
            {
                if (infos[i] is { } info && string.Equals(info.Subject, subject, StringComparison.Ordinal))
                {
                    yield return info;
                }
                else if (undecodable is null || !undecodable[i])
                {
                    (stale ??= []).Add(page[i]);
                }
            }

            if (stale is not null)
            {
                await RemoveStaleAsync(db, indexKey, stale, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Deletes every session key. Subject index keys are left alone: a session created meanwhile (after its slot was
    /// scanned) survives, and deleting the indexes would hide it from its subject. The entries of destroyed sessions are
    /// stale, which readers verify, skip and remove, index writes trim by score, and the index keys expire by themselves.
    /// </summary>
    private Task<long> DestroyAllAsync(IDatabase db, int pageSize, SessionStoreDeadline deadline) =>
        CountSessionKeysAsync(db, pageSize, deadline, static (database, key) => database.KeyDeleteAsync(key));

    /// <summary>Sends <paramref name="command"/> for every session key of every primary, pipelined a page at a time, and
    /// counts the keys it answers <see langword="true"/> for.</summary>
    private async Task<long> CountSessionKeysAsync(IDatabase db, int pageSize, SessionStoreDeadline deadline, Func<IDatabase, RedisKey, Task<bool>> command)
    {
        var cancellationToken = deadline.Token;
        long count = 0;
        foreach (var server in Primaries())
        {
            await foreach (var page in ScanSessionPagesAsync(server, pageSize, cancellationToken).ConfigureAwait(false))
            {
                var tasks = new Task<bool>[page.Count];
                for (var i = 0; i < page.Count; i++)
                {
                    tasks[i] = command(db, page[i]);
                }

                await WhenAllAsync(tasks, page, cancellationToken).ConfigureAwait(false);
                foreach (var task in tasks)
                {
                    count += task.Result ? 1 : 0;
                }

                deadline.Restart();
            }
        }

        return count;
    }

    private async Task<long> DestroySubjectAsync(IDatabase db, string subject, int pageSize, SessionStoreDeadline deadline)
    {
        var cancellationToken = deadline.Token;
        long count = 0;
        var indexKey = _keys.Subject(subject);
        var subjectBytes = Encoding.UTF8.GetBytes(subject);
        await foreach (var page in ScanIndexPagesAsync(db, indexKey, pageSize, cancellationToken).ConfigureAwait(false))
        {
            var tasks = new Task<RedisResult>[page.Count];
            var keys = new RedisKey[page.Count];
            for (var i = 0; i < page.Count; i++)
            {
                keys[i] = _keys.Session((string)page[i].Element!);
                tasks[i] = RedisCommands.DestroyIfSubject.EvaluateAsync(db, [keys[i]], [subjectBytes]);
            }

            await WhenAllAsync(tasks, keys, cancellationToken).ConfigureAwait(false);
            foreach (var task in tasks)
            {
                count += (long)task.Result;
            }

            // Every entry of the page is now stale: destroyed here, or not (or no longer) of this subject.
            await RemoveStaleAsync(db, indexKey, page, cancellationToken).ConfigureAwait(false);
            deadline.Restart();
        }

        return count;
    }
}
