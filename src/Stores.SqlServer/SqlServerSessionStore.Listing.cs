using System;
using System.Collections.Generic;
using System.Data;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using static SessionStores.SqlServer.Internal.SqlServerCodec;
using static SessionStores.SqlServer.Internal.SqlServerCommands;

namespace SessionStores.SqlServer;

/// <content>Listing, counting and destroying many sessions.</content>
public sealed partial class SqlServerSessionStore
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
        var parameters = SubjectParameters(query.Subject);
        var statement = query.Subject is null ? _sql.Count : _sql.CountForSubject;
        return _runner.RunAsync(
            SessionStoreOperationNames.Count, (Store: this, Statement: statement, Parameters: parameters), static (s, ct) => s.Store.CountCoreAsync(s.Statement, s.Parameters, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        var parameters = SubjectParameters(query.Subject);
        parameters.Add("BatchSize", _batchSize, DbType.Int32);
        var statement = query.Subject is null ? _sql.DestroyManyBatch : _sql.DestroyManyBatchForSubject;
        return DestroyManyCoreAsync(statement, parameters, cancellationToken);
    }

    // The runner gives each page fetch its own deadline (connecting included); rows of a page already read cost no round trip.
    private async IAsyncEnumerable<SessionInfo> ListCoreAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var statement = _sql.ListPage(query.Subject is not null, query.IncludeData);
        var after = string.Empty;
        while (true)
        {
            var parameters = SubjectParameters(query.Subject);
            parameters.Add("After", after, DbType.AnsiString, size: 256);
            parameters.Add("PageSize", query.PageSize, DbType.Int32);
            var page = await ListPageAsync(statement, parameters, cancellationToken).ConfigureAwait(false);
            foreach (var row in page)
            {
                after = row.Id;
                yield return row.ToInfo(query.IncludeData);
            }

            if (page.Count < query.PageSize)
            {
                yield break;
            }
        }
    }

    private async Task<List<InfoRow>> ListPageAsync(string statement, DynamicParameters parameters, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return (List<InfoRow>)await connection.QueryAsync<InfoRow>(Command(statement, parameters, cancellationToken)).ConfigureAwait(false);
        }
    }

    private async Task<long> CountCoreAsync(string statement, DynamicParameters parameters, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteScalarAsync<long>(Command(statement, parameters, cancellationToken)).ConfigureAwait(false);
        }
    }

    // Bounded batches, each its own short transaction (so a large namespace never locks the whole table) on a pooled
    // connection of its own, each under OperationTimeout (the deadline restarts per batch); the walk as a whole has none.
    // Not even one batch once the caller has cancelled (an abandoned batch could still delete): the runner checks first.
    private Task<long> DestroyManyCoreAsync(string statement, DynamicParameters parameters, CancellationToken cancellationToken) =>
        _runner.RunStepsAsync(
            SessionStoreOperationNames.DestroyMany,
            (Store: this, Statement: statement, Parameters: parameters),
            static (s, deadline) => s.Store.DestroyBatchesAsync(s.Statement, s.Parameters, deadline),
            cancellationToken);

    private async Task<long> DestroyBatchesAsync(string statement, DynamicParameters parameters, SessionStoreDeadline deadline)
    {
        long live = 0;
        DestroyManyRow batch;
        do
        {
            deadline.Restart();
            batch = await deadline.WaitAsync(DestroyManyBatchAsync(statement, parameters, deadline.Token)).ConfigureAwait(false);
            live += batch.Live;
        }
        while (batch.Deleted >= _batchSize);
        return live;
    }

    private async Task<DestroyManyRow> DestroyManyBatchAsync(string statement, DynamicParameters parameters, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.QuerySingleAsync<DestroyManyRow>(Command(statement, parameters, cancellationToken)).ConfigureAwait(false);
        }
    }
}
