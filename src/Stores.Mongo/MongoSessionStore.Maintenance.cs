using System;
using System.Threading;
using System.Threading.Tasks;
using MongoDB.Bson;
using MongoDB.Driver;
using SessionStores.Mongo.Internal;

namespace SessionStores.Mongo;

/// <content>What the collection needs first: its indexes, created once before the first operation (a
/// <see cref="SessionStoreInitializer"/>). Expired documents are pruned by MongoDB's TTL monitor, not by the store.</content>
public sealed partial class MongoSessionStore
{
    private const int IndexOptionsConflictCode = 85;
    private const int IndexKeySpecsConflictCode = 86;

    private async Task CreateIndexesAsync(CancellationToken cancellationToken)
    {
        foreach (var command in new[] { MongoCommands.ExpiryIndex(), MongoCommands.SubjectIndex() })
        {
            var options = new CreateIndexOptions { Name = command.IndexOptions!["name"].AsString };
            if (command.IndexOptions.TryGetValue("expireAfterSeconds", out var seconds))
            {
                options.ExpireAfter = TimeSpan.FromSeconds(seconds.ToInt32());
            }

            var model = new CreateIndexModel<BsonDocument>(new BsonDocumentIndexKeysDefinition<BsonDocument>(command.Filter), options);
            try
            {
                await _collection.Indexes.CreateOneAsync(model, options: null, cancellationToken).ConfigureAwait(false);
            }
            catch (MongoCommandException ex) when (ex.Code is IndexOptionsConflictCode or IndexKeySpecsConflictCode)
            {
                // An index on the same keys exists under another name or with other options (created by an operator):
                // it is theirs to keep; the store works without ours, but say so.
                Log.IndexConflict(_logger, options.Name, ex);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The operation that ran this attempt reports the failure; the log says which index and that it is retried.
                Log.IndexCreationFailed(_logger, options.Name, ex);
                throw;
            }
        }

        Log.IndexesReady(_logger, _collection.CollectionNamespace.FullName);
    }
}
