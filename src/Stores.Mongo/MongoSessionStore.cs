using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MongoDB.Bson;
using MongoDB.Driver;
using SessionStores.Mongo.Internal;
using static SessionStores.Mongo.Internal.MongoSessionCommands;

namespace SessionStores.Mongo;

/// <summary>
/// A session store in a MongoDB collection: one document per session, expiry decided by the server's clock, a TTL
/// index for cleanup, and one round trip per operation.
/// </summary>
/// <remarks>
/// <para>Documents look like <c>{ _id: id, data: BinData, version: long, expiresAt: Date, createdAt: Date,
/// subject?: string }</c>. MongoDB's TTL monitor removes expired documents about once a minute; until then every
/// command filters on <c>expiresAt &gt; $$NOW</c>, so an expired session is absent at once.</para>
/// <para>GetAndTouch, Touch and every Set are single <c>findAndModify</c> commands with update pipelines, so they are
/// atomic on the server. A compare-and-set that conflicts reads the current version in a second round trip (only on
/// that path). Requires MongoDB 4.4 or later (<c>$$NOW</c>, update pipelines, expressions in projections).</para>
/// </remarks>
public sealed partial class MongoSessionStore : ISessionStore, IDisposable
{
    /// <summary>The <c>db.system.name</c> of this store's telemetry.</summary>
    private const string SystemName = "mongodb";

    private readonly IMongoCollection<BsonDocument> _collection;
    private readonly MongoClient? _ownedClient;
    private readonly bool _createIndexes;
    private readonly int _maxDataBytes;
    private readonly ILogger _logger;
    private readonly object _indexGate = new();
    private Task? _indexes;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The options.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentException">The options are incomplete or invalid.</exception>
    public MongoSessionStore(MongoSessionStoreOptions options, ILogger<MongoSessionStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (MongoNames.Problem(options) is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        _logger = logger ?? (ILogger)NullLogger.Instance;
        _maxDataBytes = options.MaxDataBytes;
        _createIndexes = options.CreateIndexes;
        var client = options.Client;
        if (client is null)
        {
            _ownedClient = new MongoClient(options.ConnectionString);
            client = _ownedClient;
        }

        _collection = client.GetDatabase(options.DatabaseName).GetCollection<BsonDocument>(options.CollectionName);
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return RunAsync("get", async ct =>
        {
            var doc = await FindOneAsync(Get(id), ct).ConfigureAwait(false);
            return doc is null ? null : MongoSessionDocument.ToRecord(id, doc);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        var command = GetAndTouch(id, SessionValidation.ToMilliseconds(ttl));
        return RunAsync("get_and_touch", async ct =>
        {
            var doc = await FindOneAndUpdateAsync(command, ct).ConfigureAwait(false);
            return doc is null ? null : MongoSessionDocument.ToRecord(id, doc);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateWrite(write, _maxDataBytes);
        var data = write.Data.ToArray();
        var ttl = SessionValidation.ToMilliseconds(write.Ttl);
        var writeToken = write.ExpectedVersion == 0 ? Guid.NewGuid().ToString("N") : null;
        var command = write.ExpectedVersion switch
        {
            null => Upsert(id, data, ttl, write.Subject),
            0 => CreateOnly(id, data, ttl, write.Subject, writeToken!),
            { } expected => CompareAndSet(id, expected, data, ttl, write.Subject),
        };

        return RunAsync("set", ct => SetCoreAsync(id, command, write.ExpectedVersion, writeToken, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        var command = Touch(id, SessionValidation.ToMilliseconds(ttl));
        return RunAsync("touch", async ct =>
        {
            var doc = await FindOneAndUpdateAsync(command, ct).ConfigureAwait(false);

            // Decoding reports a damaged document (left untouched by the pipeline) instead of claiming success.
            return doc is not null && MongoSessionDocument.ToInfo(doc, includeData: false) is not null;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        var filter = Destroy(id).Filter;
        return RunAsync("destroy", async ct =>
        {
            var result = await _collection.DeleteOneAsync(filter, ct).ConfigureAwait(false);
            return result.DeletedCount == 1;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        return ListCoreAsync(query, cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        var filter = Count(query.Subject).Filter;
        return RunAsync("count", ct => _collection.CountDocumentsAsync(filter, options: null, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        var filter = DestroyMany(query.Subject).Filter;
        return RunAsync("destroy_many", async ct =>
        {
            var result = await _collection.DeleteManyAsync(filter, ct).ConfigureAwait(false);
            return result.DeletedCount;
        }, cancellationToken);
    }

    /// <summary>Disposes the client when the store created it from <see cref="MongoSessionStoreOptions.ConnectionString"/>.</summary>
    public void Dispose() => _ownedClient?.Dispose();

    private async Task<SessionSetResult> SetCoreAsync(string id, MongoCommand command, long? expectedVersion, string? writeToken, CancellationToken cancellationToken)
    {
        BsonDocument? written;
        try
        {
            written = await FindOneAndUpdateAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (MongoErrors.IsDuplicateKey(ex) && expectedVersion is null)
        {
            // Two first writes raced on the unique _id and this one lost the insert. The document exists now, so
            // the same upsert updates it: retried once, never dropped.
            Log.UpsertRetried(_logger, SessionValidation.Tag(id));
            written = await FindOneAndUpdateAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (MongoErrors.IsDuplicateKey(ex) && expectedVersion == 0)
        {
            // A server that did not retry the lost insert race itself: the winner is live, so this is the conflict.
            return SessionSetResult.Conflict(await CurrentVersionAsync(id, cancellationToken).ConfigureAwait(false));
        }

        if (expectedVersion == 0)
        {
            // The upsert returns the document either way: ours if it carries this call's token, else the one that stays.
            if (written is null)
            {
                throw new SessionStoreException($"The MongoDB create-only upsert of session {SessionValidation.Tag(id)} returned no document.", null, isTransient: true);
            }

            return written.TryGetValue(WriteTokenField, out var found) && found is BsonString { Value: var value } && value == writeToken
                ? SessionSetResult.Success(ReadWrittenVersion(id, written))
                : SessionSetResult.Conflict(MongoSessionDocument.ToInfo(written, includeData: false).Version);
        }

        if (written is not null)
        {
            return SessionSetResult.Success(ReadWrittenVersion(id, written));
        }

        if (expectedVersion is null)
        {
            throw new SessionStoreException($"The MongoDB upsert of session {SessionValidation.Tag(id)} returned no document.", null, isTransient: true);
        }

        // The conflict path, and only it, costs a second round trip: the version found now.
        return SessionSetResult.Conflict(await CurrentVersionAsync(id, cancellationToken).ConfigureAwait(false));
    }

    private async Task<long> CurrentVersionAsync(string id, CancellationToken cancellationToken)
    {
        var current = await FindOneAsync(CurrentVersion(id), cancellationToken).ConfigureAwait(false);
        return current is null ? 0 : MongoSessionDocument.ToInfo(current, includeData: false).Version;
    }

    private static long ReadWrittenVersion(string id, BsonDocument written) =>
        written.TryGetValue(VersionField, out var version) && version is BsonInt64 or BsonInt32
            ? version.ToInt64()
            : throw new SessionDataCorruptedException(id, "the written document has no numeric version");

    private async IAsyncEnumerable<SessionInfo> ListCoreAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = string.Empty;
        while (true)
        {
            var command = ListPage(query.Subject, after, query.PageSize, query.IncludeData);
            var page = await RunAsync("list", ct => FindManyAsync(command, ct), cancellationToken).ConfigureAwait(false);
            foreach (var doc in page)
            {
                after = MongoSessionDocument.ReadId(doc);
                yield return MongoSessionDocument.ToInfo(doc, query.IncludeData);
            }

            if (page.Count < query.PageSize)
            {
                yield break;
            }
        }
    }

    private async Task<BsonDocument?> FindOneAsync(MongoCommand command, CancellationToken cancellationToken)
    {
        using var cursor = await _collection.FindAsync(command.Filter, FindOptionsOf(command), cancellationToken).ConfigureAwait(false);
        return await cursor.FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<BsonDocument>> FindManyAsync(MongoCommand command, CancellationToken cancellationToken)
    {
        using var cursor = await _collection.FindAsync(command.Filter, FindOptionsOf(command), cancellationToken).ConfigureAwait(false);
        return await cursor.ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<BsonDocument?> FindOneAndUpdateAsync(MongoCommand command, CancellationToken cancellationToken)
    {
        var options = new FindOneAndUpdateOptions<BsonDocument, BsonDocument>
        {
            IsUpsert = command.Upsert,
            ReturnDocument = ReturnDocument.After,
        };
        if (command.Projection is not null)
        {
            options.Projection = new BsonDocumentProjectionDefinition<BsonDocument, BsonDocument>(command.Projection);
        }

        var update = new PipelineUpdateDefinition<BsonDocument>(PipelineDefinition<BsonDocument, BsonDocument>.Create(command.Pipeline!));
        return await _collection.FindOneAndUpdateAsync(command.Filter, update, options, cancellationToken).ConfigureAwait(false);
    }

    private static FindOptions<BsonDocument, BsonDocument> FindOptionsOf(MongoCommand command)
    {
        var options = new FindOptions<BsonDocument, BsonDocument> { Limit = command.Limit, BatchSize = command.Limit };
        if (command.Projection is not null)
        {
            options.Projection = new BsonDocumentProjectionDefinition<BsonDocument, BsonDocument>(command.Projection);
        }

        if (command.Sort is not null)
        {
            options.Sort = new BsonDocumentSortDefinition<BsonDocument>(command.Sort);
        }

        return options;
    }

    private async Task<T> RunAsync<T>(string operation, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        var telemetry = SessionStoreOperation.Start(SystemName, operation);
        try
        {
            await EnsureIndexesAsync(cancellationToken).ConfigureAwait(false);
            var result = await action(cancellationToken).ConfigureAwait(false);
            telemetry.Complete();
            return result;
        }
        catch (Exception ex)
        {
            telemetry.Fail(ex);
            throw SessionStoreErrors.ToThrow(ex, cancellationToken, operation, MongoErrors.Wrap);
        }
    }
}
