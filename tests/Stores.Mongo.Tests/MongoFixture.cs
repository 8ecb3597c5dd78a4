using System;
using System.Collections.Concurrent;
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
public sealed class MongoFixture : ICorruptDataFixture, IUnreachableBackendFixture, IAsyncDisposable
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
    public async ValueTask WriteCorruptRecordAsync(ConformanceStoreOptions options, string id, CancellationToken cancellationToken)
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
