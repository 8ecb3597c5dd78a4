using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using MongoDB.Bson;
using MongoDB.Driver;
using SessionStores.Mongo.Internal;
using static SessionStores.Mongo.Internal.MongoCommands;

namespace SessionStores.Mongo;

/// <content>Listing, counting and destroying many sessions.</content>
public sealed partial class MongoSessionStore
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
        var filter = Count(query.Subject).Filter;
        return _runner.RunAsync(SessionStoreOperationNames.Count, (Store: this, Filter: filter), static (s, ct) => s.Store.CountCoreAsync(s.Filter, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        var filter = DestroyMany(query.Subject).Filter;
        return _runner.RunAsync(
            SessionStoreOperationNames.DestroyMany, (Store: this, Filter: filter), static (s, ct) => s.Store.DestroyManyCoreAsync(s.Filter, ct), cancellationToken);
    }

    // The runner gives each page fetch its own deadline; items of a page already read cost no round trip.
    private async IAsyncEnumerable<SessionInfo> ListCoreAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var after = string.Empty;
        while (true)
        {
            var page = await FindManyAsync(ListPage(query.Subject, after, query.PageSize, query.IncludeData), cancellationToken).ConfigureAwait(false);
            foreach (var doc in page)
            {
                after = MongoCodec.ReadId(doc);
                yield return MongoCodec.ToInfo(doc, query.IncludeData);
            }

            if (page.Count < query.PageSize)
            {
                yield break;
            }
        }
    }

    private async Task<long> CountCoreAsync(BsonDocument filter, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        return await _collection.CountDocumentsAsync(filter, options: null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> DestroyManyCoreAsync(BsonDocument filter, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var result = await _collection.DeleteManyAsync(filter, cancellationToken).ConfigureAwait(false);
        return result.DeletedCount;
    }

    private async Task<List<BsonDocument>> FindManyAsync(MongoCommand command, CancellationToken cancellationToken)
    {
        using var cursor = await _collection.FindAsync(command.Filter, FindOptionsOf(command), cancellationToken).ConfigureAwait(false);
        return await cursor.ToListAsync(cancellationToken).ConfigureAwait(false);
    }
}
