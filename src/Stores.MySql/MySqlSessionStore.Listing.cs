using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using MySqlConnector;
using static SessionStores.MySql.Internal.MySqlCodec;

namespace SessionStores.MySql;

// Listing, counting and destroying many: a deadline per page or batch (not per listing), memory bounded by the page size.
public sealed partial class MySqlSessionStore
{
    /// <inheritdoc />
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
    /// <remarks>Deletes in batches of at most <see cref="MySqlSessionStoreOptions.PruneBatchSize"/> sessions, each
    /// within <see cref="SessionStoreOptions.OperationTimeout"/>.</remarks>
    public Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        return _runner.RunStepsAsync(
            SessionStoreOperationNames.DestroyMany, (Store: this, query.Subject), static (s, deadline) => s.Store.DestroyBatchesAsync(s.Subject, deadline), cancellationToken);
    }

    private async Task<long> DestroyBatchesAsync(string? subject, SessionStoreDeadline deadline)
    {
        long deleted = 0;
        bool more;
        do
        {
            deadline.Restart();
            (var batch, more) = await deadline.WaitAsync(DestroyBatchCoreAsync(subject, deadline.Token)).ConfigureAwait(false);
            deleted += batch;
        }
        while (more);
        return deleted;
    }

    private async IAsyncEnumerable<SessionInfo> ListCoreAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? after = null;
        while (true)
        {
            var page = await ReadPageCoreAsync(query, after, cancellationToken).ConfigureAwait(false);
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

    /// <summary>One page of <see cref="ListAsync"/>: up to <see cref="SessionQuery.PageSize"/> live sessions after the id
    /// <paramref name="after"/> (from the start when <see langword="null"/>).</summary>
    /// <remarks>A page is read whole and its connection returned before the caller sees it, so a slow consumer never
    /// holds a pooled connection; memory stays bounded by the page size.</remarks>
    private async Task<IReadOnlyList<SessionInfo>> ReadPageCoreAsync(SessionQuery query, string? after, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var sql = (query.Subject is null, query.IncludeData) switch
        {
            (true, false) => _commands.ListPage,
            (true, true) => _commands.ListPageWithData,
            (false, false) => _commands.ListPageBySubject,
            (false, true) => _commands.ListPageBySubjectWithData,
        };
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new MySqlCommand(sql, connection);
        Add(command, "@after", after ?? string.Empty);
        Add(command, "@limit", query.PageSize);
        AddSubject(command, query.Subject);
        return await Live(connection, ReadPageAsync(command, query, cancellationToken)).ConfigureAwait(false);
    }

    private static async Task<List<SessionInfo>> ReadPageAsync(MySqlCommand command, SessionQuery query, CancellationToken cancellationToken)
    {
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

    private async Task<long> CountCoreAsync(SessionQuery query, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new MySqlCommand(query.Subject is null ? _commands.CountAll : _commands.CountBySubject, connection);
        AddSubject(command, query.Subject);
        return Convert.ToInt64(await Live(connection, command.ExecuteScalarAsync(cancellationToken)).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>One batch of <see cref="DestroyManyAsync"/>: deletes up to <see cref="MySqlSessionStoreOptions.PruneBatchSize"/>
    /// live sessions of the table (of <paramref name="subject"/> when set), in id order, in one autocommitted statement.</summary>
    /// <returns>The live sessions deleted (expired leftovers stay for the pruner), and whether more may remain.</returns>
    private async Task<(long Deleted, bool More)> DestroyBatchCoreAsync(string? subject, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new MySqlCommand(subject is null ? _commands.DestroyAllBatch : _commands.DestroyBySubjectBatch, connection);
        Add(command, "@limit", _pruneBatchSize);
        AddSubject(command, subject);
        var deleted = await Live(connection, command.ExecuteNonQueryAsync(cancellationToken)).ConfigureAwait(false);
        return (deleted, deleted == _pruneBatchSize);
    }
}
