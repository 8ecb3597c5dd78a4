using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

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
    private async Task<IReadOnlyList<SessionInfo>> ReadPageCoreAsync(SessionQuery query, string? after, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);

        // TODO(store): the live sessions of the namespace (of query.Subject when set) in id order after `after`, with
        // their data only when query.IncludeData. A backend that pages by cursor (SCAN) keeps the cursor instead of the id.
        throw new NotImplementedException($"TODO(store): {nameof(ReadPageCoreAsync)} of {_commands.Namespace} after {SessionValidation.Tag(after)}, {query.PageSize} at a time");
    }

    private async Task<long> CountCoreAsync(SessionQuery query, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);

        // TODO(store): count the live sessions of the namespace (of query.Subject when set), in one query where possible.
        throw new NotImplementedException($"TODO(store): {nameof(CountCoreAsync)} of {_commands.Namespace}, by subject: {query.Subject is not null}");
    }

    /// <summary>One batch of <see cref="DestroyManyAsync"/>: deletes up to <see cref="MySqlSessionStoreOptions.PruneBatchSize"/>
    /// sessions of the namespace (of <paramref name="subject"/> when set).</summary>
    /// <returns>The live sessions deleted (expired leftovers may go too, uncounted), and whether more may remain.</returns>
    private async Task<(long Deleted, bool More)> DestroyBatchCoreAsync(string? subject, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);

        // TODO(store): one batch of at most _pruneBatchSize sessions.
        throw new NotImplementedException($"TODO(store): {nameof(DestroyBatchCoreAsync)} of {_commands.Namespace}, by subject: {subject is not null}, {_pruneBatchSize} at a time");
    }
}
