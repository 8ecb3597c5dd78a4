using System.Collections.Generic;
using SessionStores.Mongo;

namespace SessionStores.Admin.Backends;

/// <summary>
/// <c>--store mongo</c>: <c>--database</c> and <c>--collection</c> select the namespace. A TTL index deletes expired
/// documents, so there is no prune.
/// </summary>
internal sealed class MongoStoreFactory : IAdminStoreFactory
{
    public string Name => "mongo";

    public IReadOnlyCollection<string> NamespaceOptions { get; } = ["--database", "--collection"];

    public AdminStore Create(StoreSettings settings)
    {
        var options = new MongoSessionStoreOptions
        {
            ConnectionString = settings.RequireConnection(Name),
            OperationTimeout = StoreFactories.TimeoutOf(settings),

            // An operator's tool inspects a collection; it never creates one or its indexes.
            CreateSchemaIfMissing = false,
        };
        options.DatabaseName = settings.Database ?? options.DatabaseName;
        options.CollectionName = settings.Collection ?? options.CollectionName;
        var store = new MongoSessionStore(options);
        return new AdminStore(store, Name, $"collection {options.DatabaseName}.{options.CollectionName}", prune: null);
    }
}
