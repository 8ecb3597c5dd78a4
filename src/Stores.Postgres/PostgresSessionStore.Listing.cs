using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using static SessionStores.Postgres.Internal.PostgresCodec;

namespace SessionStores.Postgres;

// List, Count and DestroyMany: the operations over many sessions.
public sealed partial class PostgresSessionStore
{
    /// <summary>The most rows one statement of <see cref="DestroyManyAsync"/> deletes.</summary>
    internal const int DestroyManyBatchSize = 1_000;

    /// <inheritdoc />
    /// <remarks>Keyset paging on the primary key: one indexed range read per page of <see cref="SessionQuery.PageSize"/>,
    /// each on a connection held only for that page.</remarks>
    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        return _runner.ListAsync(SessionStoreOperationNames.List, (Store: this, Query: query), static (s, ct) => s.Store.ListCoreAsync(s.Query, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        return _runner.RunAsync(SessionStoreOperationNames.Count, (Store: this, Query: query), static (s, ct) => s.Store.CountCoreAsync(s.Query, ct), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Walks the namespace (or the subject's sessions) in key order and deletes at most 1,000
    /// rows per statement, each statement its own short transaction, so requests on
    /// the sessions it has not reached yet never wait behind one long <c>DELETE</c>. A row a request holds is waited for,
    /// never skipped. Expired leftovers are removed too but not counted. Sessions created while it runs may survive it;
    /// when it fails or is cancelled midway, the batches already run stay deleted. Each statement (not the walk as a
    /// whole) must finish within <see cref="SessionStoreOptions.OperationTimeout"/>.</remarks>
    public Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        return DestroyManyCoreAsync(query.Subject, cancellationToken);
    }

    private async Task<long> CountCoreAsync(SessionQuery query, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var command = _dataSource.CreateCommand(query.Subject is null ? _commands.CountAll : _commands.CountBySubject);
        await using var commandScope = command.ConfigureAwait(false);
        if (query.Subject is not null)
        {
            command.Parameters.Add(Text(query.Subject));
        }

        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    // Each batch gets the whole deadline; the walk as a whole has none. Near caches are told once it is done (also after a
    // failure part-way: whatever was deleted must leave them).
    private async Task<long> DestroyManyCoreAsync(string? subject, CancellationToken cancellationToken)
    {
        try
        {
            var deleted = await _runner.RunStepsAsync(
                SessionStoreOperationNames.DestroyMany, (Store: this, Subject: subject), static (s, deadline) => s.Store.DestroyBatchesAsync(s.Subject, deadline), cancellationToken)
                .ConfigureAwait(false);
            await AnnounceAllChangedAsync(cancellationToken).ConfigureAwait(false);
            return deleted;
        }
        catch when (_announce)
        {
            // In the background: the caller gets its failure (or its cancellation) within its deadline, whatever the
            // server does next; what was deleted before it (all of it, when the announcement is what failed) must leave
            // the near caches all the same.
            _ = AnnounceAllChangedAfterFailureAsync();
            throw;
        }
    }

    private async Task<long> DestroyBatchesAsync(string? subject, SessionStoreDeadline deadline)
    {
        long deleted = 0;
        var after = string.Empty;
        while (true)
        {
            deadline.Restart();
            var (picked, last, rows) = await deadline.WaitAsync(DestroyBatchAsync(subject, after, deadline.Token)).ConfigureAwait(false);
            deleted += rows;
            if (picked < DestroyManyBatchSize)
            {
                return deleted;
            }

            after = last;
        }
    }

    // One autocommitted statement (see PostgresCommands.DestroyAllBatch) on a pooled connection of its own, so a statement
    // abandoned at its deadline holds no connection the next one needs.
    private async Task<(long Picked, string Last, long Rows)> DestroyBatchAsync(string? subject, string after, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var command = _dataSource.CreateCommand(subject is null ? _commands.DestroyAllBatch : _commands.DestroyBySubjectBatch);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(Text(after));
        command.Parameters.Add(Integer(DestroyManyBatchSize));
        if (subject is not null)
        {
            command.Parameters.Add(Text(subject));
        }

        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var picked = reader.GetInt64(0);
        return (picked, picked == DestroyManyBatchSize ? reader.GetString(1) : after, reader.GetInt64(2));
    }

    // The runner gives each step (each page fetch, each item of a page already read) the whole deadline.
    private async IAsyncEnumerable<SessionInfo> ListCoreAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = string.Empty;
        while (true)
        {
            var page = await FetchPageAsync(query, after, cancellationToken).ConfigureAwait(false);
            foreach (var info in page)
            {
                yield return info;
            }

            if (page.Count < query.PageSize)
            {
                yield break;
            }

            after = page[^1].Id;
        }
    }

    // A page is read whole and its connection returned before the caller sees it, so a slow consumer never holds a
    // pooled connection; memory stays bounded by the page size.
    private async Task<List<SessionInfo>> FetchPageAsync(SessionQuery query, string after, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var sql = (query.Subject is null, query.IncludeData) switch
        {
            (true, false) => _commands.ListPage,
            (true, true) => _commands.ListPageWithData,
            (false, false) => _commands.ListPageBySubject,
            (false, true) => _commands.ListPageBySubjectWithData,
        };
        var command = _dataSource.CreateCommand(sql);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(Text(after));
        command.Parameters.Add(Integer(query.PageSize));
        if (query.Subject is not null)
        {
            command.Parameters.Add(Text(query.Subject));
        }

        var page = new List<SessionInfo>(Math.Min(query.PageSize, 1024));
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                page.Add(ReadInfo(reader, query.IncludeData));
            }
        }

        return page;
    }
}
