using System;
using System.Collections.Generic;
using System.Globalization;
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
        return _runner.ListAsync("List", (Store: this, Query: query), static (s, ct) => s.Store.ListCore(s.Query, ct), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Each page (not the count as a whole) must be read within <see cref="SessionStoreOptions.OperationTimeout"/>.</remarks>
    public async Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        cancellationToken.ThrowIfCancellationRequested();
        using var deadline = _runner.Start("Count", cancellationToken);
        try
        {
            return await CountCoreAsync(query, deadline).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw deadline.ToThrow(ex);
        }
    }

    private async Task<long> CountCoreAsync(SessionQuery query, SessionStoreDeadline deadline)
    {
        var cancellationToken = deadline.Token;
        var operation = SessionStoreOperation.Start(DbSystem, "count");
        try
        {
            long count = 0;
            if (query.Subject is null)
            {
                var db = await DatabaseAsync("count", cancellationToken).ConfigureAwait(false);
                foreach (var server in Primaries("count"))
                {
                    await foreach (var page in ScanSessionPagesAsync(server, query.PageSize, "count", cancellationToken).ConfigureAwait(false))
                    {
                        var tasks = new Task<bool>[page.Count];
                        for (var i = 0; i < page.Count; i++)
                        {
                            tasks[i] = db.KeyExistsAsync(page[i]);
                        }

                        await WhenAllAsync(tasks, page, "count", cancellationToken).ConfigureAwait(false);
                        foreach (var task in tasks)
                        {
                            count += task.Result ? 1 : 0;
                        }

                        deadline.Restart();
                    }
                }
            }
            else
            {
                await foreach (var info in ListSubjectAsync(query with { IncludeData = false }, cancellationToken, countOnly: true).ConfigureAwait(false))
                {
                    count++;
                    deadline.Restart();
                }
            }

            operation.Complete();
            return count;
        }
        catch (Exception ex)
        {
            operation.Fail(ex);
            throw Failure(ex, "count", null, cancellationToken);
        }
    }

    /// <inheritdoc />
    /// <remarks>With <see cref="SessionQuery.All"/> only session keys are deleted; subject index keys are left to expire
    /// by themselves (their entries are verified on every read), so that a session created during the delete stays
    /// listed under its subject. Each page (not the walk as a whole) must be done within
    /// <see cref="SessionStoreOptions.OperationTimeout"/>.</remarks>
    public async Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        cancellationToken.ThrowIfCancellationRequested();
        using var deadline = _runner.Start("DestroyMany", cancellationToken);
        try
        {
            return await DestroyManyCoreAsync(query, deadline).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw deadline.ToThrow(ex);
        }
    }

    private async Task<long> DestroyManyCoreAsync(SessionQuery query, SessionStoreDeadline deadline)
    {
        var cancellationToken = deadline.Token;
        var operation = SessionStoreOperation.Start(DbSystem, "destroy_many");
        try
        {
            var db = await DatabaseAsync("destroy_many", cancellationToken).ConfigureAwait(false);
            var count = query.Subject is null
                ? await DestroyAllAsync(db, query.PageSize, deadline).ConfigureAwait(false)
                : await DestroySubjectAsync(db, query.Subject, query.PageSize, deadline).ConfigureAwait(false);
            operation.Complete();
            return count;
        }
        catch (Exception ex)
        {
            operation.Fail(ex);
            throw Failure(ex, "destroy_many", null, cancellationToken);
        }
    }

    private async IAsyncEnumerable<SessionInfo> ListCore(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
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

        var db = await DatabaseAsync("list", cancellationToken).ConfigureAwait(false);
        foreach (var server in Primaries("list"))
        {
            await foreach (var page in ScanSessionPagesAsync(server, query.PageSize, "list", cancellationToken).ConfigureAwait(false))
            {
                var ids = new string[page.Count];
                for (var i = 0; i < page.Count; i++)
                {
                    ids[i] = _keys.TryGetSessionId(page[i])!;
                }

                var infos = await FetchAsync(db, ids, query.IncludeData, "list", cancellationToken).ConfigureAwait(false);
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
        var db = await DatabaseAsync("list", cancellationToken).ConfigureAwait(false);
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
            var infos = await FetchAsync(db, ids, query.IncludeData, countOnly ? "count" : "list", cancellationToken, undecodable).ConfigureAwait(false);
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
    private async Task<long> DestroyAllAsync(IDatabase db, int pageSize, SessionStoreDeadline deadline)
    {
        var cancellationToken = deadline.Token;
        long count = 0;
        foreach (var server in Primaries("destroy_many"))
        {
            await foreach (var page in ScanSessionPagesAsync(server, pageSize, "destroy_many", cancellationToken).ConfigureAwait(false))
            {
                var tasks = new Task<bool>[page.Count];
                for (var i = 0; i < page.Count; i++)
                {
                    tasks[i] = db.KeyDeleteAsync(page[i]);
                }

                await WhenAllAsync(tasks, page, "destroy_many", cancellationToken).ConfigureAwait(false);
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
                tasks[i] = Scripts.DestroyIfSubject.EvaluateAsync(db, [keys[i]], [subjectBytes]);
            }

            await WhenAllAsync(tasks, keys, "destroy_many", cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// Waits for the pipelined reads of <see cref="FetchAsync"/> and finds the records that are not sessions before any
    /// header is decoded: a key of another Redis type, or an existing empty string, which is not absent either. <c>GET</c>
    /// tells an empty string from a missing key (an empty value, not nil); <c>GETRANGE</c> does not, so those few keys are
    /// read again with <c>GET</c>, pipelined: nil is absent, empty is corrupt, and anything else was written after this
    /// read began and is left out, as a session created during a listing may be. Any other error fails the read as the
    /// operation would.
    /// </summary>
    /// <returns>Per key, the corruption found, or <see langword="null"/>.</returns>
    private async Task<SessionDataCorruptedException?[]> FindNonSessionsAsync(
        IDatabase db, string[] ids, RedisKey[] keys, Task<RedisValue>[] values, Task<long>[]? lengths, string operation, CancellationToken cancellationToken)
    {
        var corrupt = new SessionDataCorruptedException?[ids.Length];
        var all = lengths is null ? Task.WhenAll(values) : Task.WhenAll(Task.WhenAll(values), Task.WhenAll(lengths));
        await FindWrongTypesAsync(all, i => lengths is null ? [values[i]] : [values[i], lengths[i]], ids, corrupt, operation, cancellationToken).ConfigureAwait(false);

        List<(int Index, Task<RedisValue> Value)>? unclear = null;
        for (var i = 0; i < ids.Length; i++)
        {
            if (corrupt[i] is null && values[i].Result is { IsNull: false } value && ((ReadOnlyMemory<byte>)value).IsEmpty)
            {
                if (lengths is null)
                {
                    corrupt[i] = EmptyString(ids[i]);
                }
                else
                {
                    (unclear ??= []).Add((i, db.StringGetAsync(keys[i])));
                }
            }
        }

        if (unclear is not null)
        {
            // A key may have turned into another type since the first read: the same per-key rule applies.
            await FindWrongTypesAsync(
                Task.WhenAll(unclear.ConvertAll(u => u.Value)),
                i => unclear.Find(u => u.Index == i) is { Value: { } reread } ? [reread] : [],
                ids, corrupt, operation, cancellationToken).ConfigureAwait(false);
            foreach (var (index, reread) in unclear)
            {
                if (corrupt[index] is null && !reread.Result.IsNull && ((ReadOnlyMemory<byte>)reread.Result).IsEmpty)
                {
                    corrupt[index] = EmptyString(ids[index]);
                }
            }
        }

        return corrupt;

        static SessionDataCorruptedException EmptyString(string id) => new(id, "the key holds an empty string");
    }

    /// <summary>
    /// Waits for pipelined reads; records, for each key that holds another Redis type, the corruption the operation's
    /// failure rule makes of it, and fails for any other error (connection loss, timeouts, a cancelled command).
    /// </summary>
    private async Task FindWrongTypesAsync(
        Task all, Func<int, Task[]> readsOf, string[] ids, SessionDataCorruptedException?[] corrupt, string operation, CancellationToken cancellationToken)
    {
        try
        {
            await all.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var found = false;
            for (var i = 0; i < ids.Length; i++)
            {
                foreach (var task in readsOf(i))
                {
                    if (task.Exception?.InnerException is RedisServerException server && server.Message.Contains("WRONGTYPE", StringComparison.Ordinal))
                    {
                        corrupt[i] ??= (SessionDataCorruptedException)Failure(server, operation, ids[i], cancellationToken);
                        found = true;
                    }
                    else if (task.Exception?.InnerException is { } error)
                    {
                        throw Failure(error, operation, ids[i], cancellationToken);
                    }
                    else if (task.IsCanceled)
                    {
                        throw Failure(new TaskCanceledException(task), operation, ids[i], cancellationToken);
                    }
                }
            }

            if (!found)
            {
                throw Failure(ex, operation, null, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Reads the given sessions, pipelined: the whole value with data, else the header (with the subject) and the length.
    /// Returns null for sessions that are absent or expired; throws <see cref="SessionDataCorruptedException"/> for one
    /// that cannot be decoded, unless <c>undecodable</c> is given: then such a record (another Redis type, a damaged
    /// header, an empty string) is marked in it and left out instead.
    /// </summary>
    private async Task<SessionInfo?[]> FetchAsync(
        IDatabase db, string[] ids, bool includeData, string operation, CancellationToken cancellationToken, bool[]? undecodable = null)
    {
        var keys = new RedisKey[ids.Length];
        var values = new Task<RedisValue>[ids.Length];
        var lengths = includeData ? null : new Task<long>[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            keys[i] = _keys.Session(ids[i]);
            if (includeData)
            {
                values[i] = db.StringGetAsync(keys[i]);
            }
            else
            {
                values[i] = db.StringGetRangeAsync(keys[i], 0, SessionCodec.HeadRangeEnd);
                lengths![i] = db.StringLengthAsync(keys[i]);
            }
        }

        var corrupt = await FindNonSessionsAsync(db, ids, keys, values, lengths, operation, cancellationToken).ConfigureAwait(false);
        var infos = new SessionInfo?[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            if (corrupt[i] is { } notASession)
            {
                if (undecodable is null)
                {
                    throw notASession;
                }

                undecodable[i] = true;
                continue;
            }

            var value = values[i].Result;
            if (value.IsNull || ((ReadOnlyMemory<byte>)value).IsEmpty)
            {
                continue;
            }

            ReadOnlyMemory<byte> bytes = value;
            SessionCodec.Header header;
            try
            {
                header = SessionCodec.DecodeHeader(ids[i], bytes.Span, requireWholeSubject: true);
            }
            catch (SessionDataCorruptedException) when (undecodable is not null)
            {
                undecodable[i] = true;
                continue;
            }

            var dataStart = SessionCodec.HeaderLength + header.SubjectLength;
            var size = includeData ? bytes.Length - dataStart : lengths![i].Result - dataStart;
            if (size < 0)
            {
                // Deleted and re-created between the two reads; the header no longer matches the length.
                continue;
            }

            infos[i] = new SessionInfo(
                ids[i],
                header.Version,
                DateTimeOffset.FromUnixTimeMilliseconds(header.ExpiresAtMs),
                DateTimeOffset.FromUnixTimeMilliseconds(header.CreatedAtMs),
                header.Subject,
                size,
                includeData ? (ReadOnlyMemory<byte>?)bytes[dataStart..] : null);
        }

        return infos;
    }

    private async Task RemoveStaleAsync(IDatabase db, RedisKey indexKey, List<SortedSetEntry> entries, CancellationToken cancellationToken)
    {
        var tasks = new Task<RedisResult>[entries.Count];
        var keys = new RedisKey[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            keys[i] = indexKey;

            // Removed only if the score is still the one read: a concurrent write of that session renews the score.
            tasks[i] = Scripts.IndexRemoveIfUnchanged.EvaluateAsync(db, [indexKey], [entries[i].Element, entries[i].Score.ToString("R", CultureInfo.InvariantCulture)]);
        }

        await WhenAllAsync(tasks, keys, "list", cancellationToken).ConfigureAwait(false);
        Log.StaleIndexEntriesRemoved(_logger, entries.Count);
    }

    /// <summary>
    /// How many keys one server's scan remembers to drop repeats. <c>SCAN</c> may return a key twice when the server
    /// resizes its key table during the scan (as other writers to the database, or expiring keys, make it do); a key
    /// returned again after this many is passed on again.
    /// </summary>
    internal const int ScanRepeatMemory = 100_000;

    /// <summary>This store's session keys on one server, in pages; the glob match is re-checked exactly, and a key the
    /// scan returns again is dropped (up to <see cref="ScanRepeatMemory"/> keys).</summary>
    private async IAsyncEnumerable<List<RedisKey>> ScanSessionPagesAsync(
        IServer server, int pageSize, string operation, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var enumerator = server.KeysAsync(_database, _keys.SessionPattern, pageSize).GetAsyncEnumerator(cancellationToken);
        try
        {
            var page = new List<RedisKey>(pageSize);
            var seen = new HashSet<RedisKey>();
            while (true)
            {
                bool more;
                try
                {
                    more = await enumerator.MoveNextAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    throw Failure(ex, operation, null, cancellationToken);
                }

                if (!more)
                {
                    break;
                }

                var key = enumerator.Current;
                if (_keys.TryGetSessionId(key) is null || (seen.Count < ScanRepeatMemory ? !seen.Add(key) : seen.Contains(key)))
                {
                    continue;
                }

                page.Add(key);
                if (page.Count == pageSize)
                {
                    yield return page;
                    page = new List<RedisKey>(pageSize);
                }
            }

            if (page.Count > 0)
            {
                yield return page;
            }
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async IAsyncEnumerable<List<SortedSetEntry>> ScanIndexPagesAsync(
        IDatabase db, RedisKey indexKey, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var enumerator = db.SortedSetScanAsync(indexKey, default, pageSize).GetAsyncEnumerator(cancellationToken);
        try
        {
            var page = new List<SortedSetEntry>(Math.Min(pageSize, 256));
            while (true)
            {
                bool more;
                try
                {
                    more = await enumerator.MoveNextAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    throw Failure(ex, "list", null, cancellationToken);
                }

                if (!more)
                {
                    break;
                }

                var entry = enumerator.Current;
                if (!SessionValidation.IsValidId((string?)entry.Element))
                {
                    continue;
                }

                page.Add(entry);
                if (page.Count == pageSize)
                {
                    yield return page;
                    page = new List<SortedSetEntry>(Math.Min(pageSize, 256));
                }
            }

            if (page.Count > 0)
            {
                yield return page;
            }
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<IDatabase> DatabaseAsync(string operation, CancellationToken cancellationToken)
    {
        try
        {
            return _db ?? await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw Failure(ex, operation, null, cancellationToken);
        }
    }

    /// <summary>The primaries to scan; a disconnected one would make the result incomplete, so it fails the operation.</summary>
    private List<IServer> Primaries(string operation)
    {
        var primaries = new List<IServer>();
        foreach (var server in _connection!.GetServers())
        {
            if (server.IsReplica)
            {
                continue;
            }

            if (!server.IsConnected)
            {
                // Checked before scanning, so that no listing silently misses a node's sessions; the inner exception
                // is the driver's kind of error for it, as every other failure carries one.
                var message = $"The {operation} operation needs every Redis primary, but {server.EndPoint} is not connected.";
                throw new SessionStoreException(message, new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, message), isTransient: true);
            }

            primaries.Add(server);
        }

        return primaries;
    }

    /// <summary>Awaits pipelined commands; a failure is reported with the key (and so the session) it concerns.</summary>
    private async Task WhenAllAsync<T>(Task<T>[] tasks, IReadOnlyList<RedisKey> keys, string operation, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(tasks).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            for (var i = 0; i < tasks.Length; i++)
            {
                if (tasks[i].IsFaulted)
                {
                    throw Failure(tasks[i].Exception!.InnerException!, operation, _keys.TryGetSessionId(keys[i]), cancellationToken);
                }
            }

            throw Failure(ex, operation, null, cancellationToken);
        }
    }
}
