using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MongoDB.Bson;
using MongoDB.Driver;
using SessionStores.Mongo.Internal;
using static SessionStores.Mongo.Internal.MongoCommands;

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
    private readonly IMongoCollection<BsonDocument> _collection;
    private readonly MongoClient? _ownedClient;
    private readonly int _maxDataBytes;
    private readonly ILogger _logger;
    private readonly SessionStoreOperationRunner _runner;
    private readonly SessionStoreInitializer _schema;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The options.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentException">The options are incomplete or invalid.</exception>
    public MongoSessionStore(MongoSessionStoreOptions options, ILogger<MongoSessionStore>? logger = null)
    {
        MongoSessionStoreOptionsValidator.Instance.ThrowIfInvalid(options, nameof(options));
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _runner = new SessionStoreOperationRunner(MongoBackend.Instance, options.OperationTimeout, _logger);
        _maxDataBytes = options.MaxDataBytes;
        var client = options.Client;
        if (client is null)
        {
            _ownedClient = new MongoClient(MongoTimeouts.Settings(options.ConnectionString!, options.OperationTimeout));
            client = _ownedClient;
        }

        _collection = client.GetDatabase(options.DatabaseName).GetCollection<BsonDocument>(options.CollectionName);
        _schema = new SessionStoreInitializer(options.CreateSchemaIfMissing ? CreateIndexesAsync : static _ => Task.CompletedTask);
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return _runner.RunAsync(SessionStoreOperationNames.Get, (Store: this, Id: id), static (s, ct) => s.Store.GetCoreAsync(s.Id, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        var command = GetAndTouch(id, SessionValidation.ToMilliseconds(ttl));
        return _runner.RunAsync(
            SessionStoreOperationNames.GetAndTouch, (Store: this, Id: id, Command: command), static (s, ct) => s.Store.GetAndTouchCoreAsync(s.Id, s.Command, ct), cancellationToken);
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

        return _runner.RunAsync(
            SessionStoreOperationNames.Set,
            (Store: this, Id: id, Command: command, write.ExpectedVersion, WriteToken: writeToken),
            static (s, ct) => s.Store.SetCoreAsync(s.Id, s.Command, s.ExpectedVersion, s.WriteToken, ct),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        var command = Touch(id, SessionValidation.ToMilliseconds(ttl));
        return _runner.RunAsync(SessionStoreOperationNames.Touch, (Store: this, Command: command), static (s, ct) => s.Store.TouchCoreAsync(s.Command, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        var filter = Destroy(id).Filter;
        return _runner.RunAsync(SessionStoreOperationNames.Destroy, (Store: this, Filter: filter), static (s, ct) => s.Store.DestroyCoreAsync(s.Filter, ct), cancellationToken);
    }

    /// <summary>Disposes the client when the store created it from <see cref="MongoSessionStoreOptions.ConnectionString"/>.</summary>
    public void Dispose() => _ownedClient?.Dispose();

    private async Task<SessionRecord?> GetCoreAsync(string id, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var doc = await FindOneAsync(Get(id), cancellationToken).ConfigureAwait(false);
        return doc is null ? null : MongoCodec.ToRecord(id, doc);
    }

    private async Task<SessionRecord?> GetAndTouchCoreAsync(string id, MongoCommand command, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var doc = await FindOneAndUpdateAsync(command, cancellationToken).ConfigureAwait(false);
        return doc is null ? null : MongoCodec.ToRecord(id, doc);
    }

    private async Task<bool> TouchCoreAsync(MongoCommand command, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var doc = await FindOneAndUpdateAsync(command, cancellationToken).ConfigureAwait(false);

        // Decoding reports a damaged document (left untouched by the pipeline) instead of claiming success.
        return doc is not null && MongoCodec.ToInfo(doc, includeData: false) is not null;
    }

    private async Task<bool> DestroyCoreAsync(BsonDocument filter, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var result = await _collection.DeleteOneAsync(filter, cancellationToken).ConfigureAwait(false);
        return result.DeletedCount == 1;
    }

    private async Task<SessionSetResult> SetCoreAsync(string id, MongoCommand command, long? expectedVersion, string? writeToken, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        BsonDocument? written;
        try
        {
            written = await FindOneAndUpdateAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsDuplicateKey(ex) && expectedVersion is null)
        {
            // Two first writes raced on the unique _id and this one lost the insert. The document exists now, so
            // the same upsert updates it: retried once, never dropped.
            Log.UpsertRetried(_logger, SessionValidation.Tag(id));
            written = await FindOneAndUpdateAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsDuplicateKey(ex) && expectedVersion == 0)
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
                : SessionSetResult.Conflict(MongoCodec.ToInfo(written, includeData: false).Version);
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
        return current is null ? 0 : MongoCodec.ToInfo(current, includeData: false).Version;
    }

    private static long ReadWrittenVersion(string id, BsonDocument written) =>
        written.TryGetValue(VersionField, out var version) && version is BsonInt64 or BsonInt32
            ? version.ToInt64()
            : throw new SessionDataCorruptedException(id, "the written document has no numeric version");

    private async Task<BsonDocument?> FindOneAsync(MongoCommand command, CancellationToken cancellationToken)
    {
        using var cursor = await _collection.FindAsync(command.Filter, FindOptionsOf(command), cancellationToken).ConfigureAwait(false);
        return await cursor.FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
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
}
