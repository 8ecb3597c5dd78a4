using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using MongoDB.Bson;
using MongoDB.Driver;
using SessionStores.Conformance;
using SessionStores.TestServers;

namespace SessionStores.Mongo.Tests;

/// <summary>
/// Each conformance namespace is a fresh collection in the database <see cref="Database"/> of this process's MongoDB
/// server (<c>$SESSIONSTORES_MONGO</c>, else a container). The stores share one client; the collections are dropped
/// when the test class ends.
/// </summary>
public sealed class MongoFixture : ICorruptDataFixture, IUnreachableBackendFixture, IBackendInspectionFixture, IAsyncDisposable
{
    public const string Database = "sessionstores_tests";

    /// <summary>A server that does not answer (nothing listens on port 1), with short timeouts; needs no server.</summary>
    public const string Unreachable = "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static MongoClient? _shared;

    private readonly ConcurrentBag<string> _collections = [];

    /// <summary>The client shared by the tests of this process; skips (or fails, when required) without a server.</summary>
    public static async Task<MongoClient> ClientAsync()
    {
        var connectionString = await MongoTestServer.ConnectionStringOrSkipAsync();
        await Gate.WaitAsync();
        try
        {
            return _shared ??= new MongoClient(connectionString);
        }
        finally
        {
            Gate.Release();
        }
    }

    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken)
    {
        var client = await ClientAsync();
        _collections.Add(options.Namespace);
        return new MongoSessionStore(new MongoSessionStoreOptions
        {
            Client = client,
            DatabaseName = Database,
            CollectionName = options.Namespace,
            MaxDataBytes = options.MaxDataBytes,
        });
    }

    /// <summary>Options on the shared client in a fresh collection (dropped with the fixture); skips without a server.</summary>
    public async ValueTask<Action<MongoSessionStoreOptions>> OptionsAsync()
    {
        var client = await ClientAsync();
        var collection = "reg-" + Guid.NewGuid().ToString("N");
        _collections.Add(collection);
        return options =>
        {
            options.Client = client;
            options.DatabaseName = Database;
            options.CollectionName = collection;
        };
    }

    /// <summary>A store with its own client, to a loopback port nothing listens on (no server needed).</summary>
    public ValueTask<ISessionStore> CreateUnreachableStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISessionStore>(new MongoSessionStore(new MongoSessionStoreOptions
        {
            ConnectionString = Unreachable,
            DatabaseName = Database,
            CollectionName = options.Namespace,
            MaxDataBytes = options.MaxDataBytes,
        }));

    /// <summary>A document no store writes: <c>data</c> is a string, not binary; live for an hour.</summary>
    /// <summary>The documents of the namespace's collection, expired or not.</summary>
    public async ValueTask<long> CountHeldRecordsAsync(ISessionStore store, ConformanceStoreOptions options, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        await (await ClientAsync()).GetDatabase(Database).GetCollection<BsonDocument>(options.Namespace)
            .CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: cancellationToken);

    /// <summary>
    /// MongoDB's TTL monitor deletes expired documents (the store's <c>expiresAt</c> TTL index), every 60 s by default:
    /// this throwaway server's monitor is set to run every second, and the pass waits (at most 10 s) until the
    /// collection holds no expired document.
    /// </summary>
    public async ValueTask RunCleanupAsync(ISessionStore store, ConformanceStoreOptions options, CancellationToken cancellationToken)
    {
        var client = await ClientAsync();
        await client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument { { "setParameter", 1 }, { "ttlMonitorSleepSecs", 1 } }, cancellationToken: cancellationToken);
        var collection = client.GetDatabase(Database).GetCollection<BsonDocument>(options.Namespace);
        var expired = Builders<BsonDocument>.Filter.Lt("expiresAt", DateTime.UtcNow);
        for (var waited = 0; waited < 40 && await collection.CountDocumentsAsync(expired, cancellationToken: cancellationToken) > 0; waited++)
        {
            await Task.Delay(250, cancellationToken);
        }
    }

    public async ValueTask WriteCorruptRecordAsync(ISessionStore store, ConformanceStoreOptions options, string id, CancellationToken cancellationToken)
    {
        var client = await ClientAsync();
        var now = DateTime.UtcNow;
        await client.GetDatabase(Database).GetCollection<BsonDocument>(options.Namespace).ReplaceOneAsync(
            new BsonDocument("_id", id),
            new BsonDocument
            {
                { "_id", id },
                { "data", "this is a string, not binary data" },
                { "version", 1L },
                { "expiresAt", now.AddHours(1) },
                { "createdAt", now },
            },
            new ReplaceOptions { IsUpsert = true },
            cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_shared is null || _collections.IsEmpty)
        {
            return;
        }

        var database = _shared.GetDatabase(Database);
        foreach (var collection in _collections)
        {
            await database.DropCollectionAsync(collection);
        }
    }
}
