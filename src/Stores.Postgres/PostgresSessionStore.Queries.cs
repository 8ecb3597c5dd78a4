using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

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
        return ListCoreAsync(query, cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        _runner.RunAsync("Count", (Store: this, Query: query), static (s, ct) => s.Store.CountCoreAsync(s.Query, ct), cancellationToken);

    private async Task<long> CountCoreAsync(SessionQuery query, CancellationToken cancellationToken)
    {
        SessionValidation.ValidateQuery(query);
        var operation = SessionStoreOperation.Start(DbSystem, "count");
        try
        {
            await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            var command = _dataSource.CreateCommand(query.Subject is null ? _sql.CountAll : _sql.CountBySubject);
            await using var commandScope = command.ConfigureAwait(false);
            if (query.Subject is not null)
            {
                command.Parameters.Add(Text(query.Subject));
            }

            var count = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            operation.Complete();
            return count;
        }
        catch (Exception ex)
        {
            throw Failure(ref operation, ex, "Count", null, cancellationToken);
        }
    }

    /// <inheritdoc />
    /// <remarks>Walks the namespace (or the subject's sessions) in key order and deletes at most 1,000
    /// rows per statement, each statement its own short transaction, so requests on
    /// the sessions it has not reached yet never wait behind one long <c>DELETE</c>. A row a request holds is waited for,
    /// never skipped. Expired leftovers are removed too but not counted. Sessions created while it runs may survive it;
    /// when it fails or is cancelled midway, the batches already run stay deleted. Each statement (not the walk as a
    /// whole) must finish within <see cref="SessionStoreOptions.OperationTimeout"/>.</remarks>
    public async Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        var operation = SessionStoreOperation.Start(DbSystem, "destroy_many");
        try
        {
            long deleted = 0;
            var after = string.Empty;
            while (true)
            {
                var (picked, last, rows) = await _runner.RunAsync(
                    "DestroyMany", (Store: this, query.Subject, After: after), static (s, ct) => s.Store.DestroyBatchAsync(s.Subject, s.After, ct), cancellationToken)
                    .ConfigureAwait(false);
                deleted += rows;
                if (picked < DestroyManyBatchSize)
                {
                    break;
                }

                after = last;
            }

            operation.Complete();
            return deleted;
        }
        catch (Exception ex)
        {
            throw Failure(ref operation, ex, "DestroyMany", null, cancellationToken);
        }
    }

    // One autocommitted statement (see PostgresSql.DestroyAllBatch) on a pooled connection of its own, so a statement
    // abandoned at its deadline holds no connection the next one needs.
    private async Task<(long Picked, string Last, long Rows)> DestroyBatchAsync(string? subject, string after, CancellationToken cancellationToken)
    {
        try
        {
            await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            var command = _dataSource.CreateCommand(subject is null ? _sql.DestroyAllBatch : _sql.DestroyBySubjectBatch);
            await using var commandScope = command.ConfigureAwait(false);
            command.Parameters.Add(Text(after));
            command.Parameters.Add(new NpgsqlParameter<int> { NpgsqlDbType = NpgsqlDbType.Integer, TypedValue = DestroyManyBatchSize });
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
        catch (Exception ex) when (IsBackendFailure(ex, cancellationToken))
        {
            throw Fail(ex, "DestroyMany", null, cancellationToken);
        }
    }

    /// <summary>
    /// Runs a keyset batch statement (the DeleteBatch shape of Internal/PostgresSql.cs: rows picked, last cursor, rows
    /// counted) until a batch picks fewer than <paramref name="batchSize"/> rows, moving <paramref name="cursor"/> to
    /// where each batch ended, and pausing between batches (when <paramref name="delay"/> is positive) for the longer of
    /// <paramref name="delay"/> and the time the batch took. Shared by DestroyMany and pruning.
    /// </summary>
    private static async Task<(long Counted, int Batches)> DeleteInBatchesAsync<TCursor>(
        NpgsqlCommand command, NpgsqlParameter<TCursor> cursor, int batchSize, TimeSpan delay, Action<long>? onBatch, CancellationToken cancellationToken)
    {
        long counted = 0;
        var batches = 0;
        while (true)
        {
            long picked;
            var started = Stopwatch.GetTimestamp();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                picked = reader.GetInt64(0);
                var rows = reader.GetInt64(2);
                counted += rows;
                batches++;
                onBatch?.Invoke(rows);
                if (picked == batchSize)
                {
                    cursor.TypedValue = reader.GetFieldValue<TCursor>(1);
                }
            }

            if (picked < batchSize)
            {
                return (counted, batches);
            }

            if (delay > TimeSpan.Zero)
            {
                // Paced: pause at least as long as the batch took, so the deleting connection never has more than half of
                // the time, and backs off by itself when a busy server makes its statements slow.
                var took = Stopwatch.GetElapsedTime(started);
                await Task.Delay(took > delay ? took : delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async IAsyncEnumerable<SessionInfo> ListCoreAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = string.Empty;
        while (true)
        {
            var page = await _runner.RunAsync(
                "List", (Store: this, Query: query, After: after), static (s, ct) => s.Store.FetchPageAsync(s.Query, s.After, ct), cancellationToken)
                .ConfigureAwait(false);
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
    // pooled connection; memory stays bounded by the page size. Each page has its own deadline; the listing has none.
    private async Task<List<SessionInfo>> FetchPageAsync(SessionQuery query, string after, CancellationToken cancellationToken)
    {
        var operation = SessionStoreOperation.Start(DbSystem, "list");
        try
        {
            await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            var sql = (query.Subject is null, query.IncludeData) switch
            {
                (true, false) => _sql.ListPage,
                (true, true) => _sql.ListPageWithData,
                (false, false) => _sql.ListPageBySubject,
                (false, true) => _sql.ListPageBySubjectWithData,
            };
            var command = _dataSource.CreateCommand(sql);
            await using var commandScope = command.ConfigureAwait(false);
            command.Parameters.Add(Text(after));
            command.Parameters.Add(new NpgsqlParameter<int> { NpgsqlDbType = NpgsqlDbType.Integer, TypedValue = query.PageSize });
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
                    var id = reader.GetString(0);
                    page.Add(new SessionInfo(
                        id,
                        CheckVersion(id, reader.GetInt64(1)),
                        reader.GetFieldValue<DateTimeOffset>(2),
                        reader.GetFieldValue<DateTimeOffset>(3),
                        reader.IsDBNull(4) ? null : reader.GetString(4),
                        reader.GetInt32(5),
                        query.IncludeData ? new ReadOnlyMemory<byte>(reader.GetFieldValue<byte[]>(6)) : (ReadOnlyMemory<byte>?)null));
                }
            }

            operation.Complete();
            return page;
        }
        catch (Exception ex)
        {
            throw Failure(ref operation, ex, "List", null, cancellationToken);
        }
    }
}
