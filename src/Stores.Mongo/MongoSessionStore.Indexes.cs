using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;
using SessionStores.Mongo.Internal;

namespace SessionStores.Mongo;

/// <content>Index creation before the first operation, and logging.</content>
public sealed partial class MongoSessionStore
{
    private const int IndexOptionsConflictCode = 85;
    private const int IndexKeySpecsConflictCode = 86;

    private Task EnsureIndexesAsync(CancellationToken cancellationToken)
    {
        if (!_createIndexes)
        {
            return Task.CompletedTask;
        }

        var task = Volatile.Read(ref _indexes);
        if (task is null || task.IsFaulted || task.IsCanceled)
        {
            lock (_indexGate)
            {
                // One creation shared by all callers; a failed one is retried by the next operation.
                if (_indexes is null || _indexes.IsFaulted || _indexes.IsCanceled)
                {
                    _indexes = CreateIndexesAsync();
                }

                task = _indexes;
            }
        }

        return task.IsCompletedSuccessfully ? Task.CompletedTask : task.WaitAsync(cancellationToken);
    }

    private async Task CreateIndexesAsync()
    {
        foreach (var command in new[] { MongoSessionCommands.ExpiryIndex(), MongoSessionCommands.SubjectIndex() })
        {
            var options = new CreateIndexOptions { Name = command.IndexOptions!["name"].AsString };
            if (command.IndexOptions.TryGetValue("expireAfterSeconds", out var seconds))
            {
                options.ExpireAfter = TimeSpan.FromSeconds(seconds.ToInt32());
            }

            var model = new CreateIndexModel<BsonDocument>(new BsonDocumentIndexKeysDefinition<BsonDocument>(command.Filter), options);
            try
            {
                // Not the caller's token: this task is shared by every operation waiting for it.
                await _collection.Indexes.CreateOneAsync(model, options: null, CancellationToken.None).ConfigureAwait(false);
            }
            catch (MongoCommandException ex) when (ex.Code is IndexOptionsConflictCode or IndexKeySpecsConflictCode)
            {
                // An index on the same keys exists under another name or with other options (created by an operator):
                // it is theirs to keep; the store works without ours, but say so.
                Log.IndexConflict(_logger, options.Name, ex);
            }
            catch (Exception ex)
            {
                Log.IndexCreationFailed(_logger, options.Name, ex);
                throw;
            }
        }

        Log.IndexesReady(_logger, _collection.CollectionNamespace.FullName);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Session indexes are ready on {Collection}")]
        public static partial void IndexesReady(ILogger logger, string collection);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Creating the session index {Index} failed; the next operation retries")]
        public static partial void IndexCreationFailed(ILogger logger, string index, Exception exception);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "A different index on the keys of session index {Index} already exists; it is kept. Check that expiresAt still has a TTL index, or expired sessions are never removed")]
        public static partial void IndexConflict(ILogger logger, string index, Exception exception);

        [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "A concurrent first write of session {Id} won the insert; the upsert was retried as an update")]
        public static partial void UpsertRetried(ILogger logger, string id);
    }
}
