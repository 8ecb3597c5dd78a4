using MongoDB.Driver;

namespace SessionStores.Mongo;

/// <summary>Options of <see cref="MongoSessionStore"/>.</summary>
public sealed class MongoSessionStoreOptions : SessionStoreOptions
{
    /// <summary>The largest <see cref="SessionStoreOptions.MaxDataBytes"/> this store accepts: 15 MiB, leaving room for
    /// the rest of a document under MongoDB's 16 MiB limit.</summary>
    public const int MaxSupportedDataBytes = 15 * 1024 * 1024;

    /// <summary>
    /// The MongoDB connection string, for example <c>mongodb://localhost:27017</c>. Used when <see cref="Client"/> is
    /// <see langword="null"/>; the store then owns the client and disposes it. Default: <see langword="null"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// An existing client to share (it is not disposed by the store). Takes precedence over
    /// <see cref="ConnectionString"/>. Default: <see langword="null"/>.
    /// </summary>
    public IMongoClient? Client { get; set; }

    /// <summary>The database that holds the collection. Default: <c>sessionstores</c>.</summary>
    public string DatabaseName { get; set; } = "sessionstores";

    /// <summary>
    /// The collection that is this store's namespace: one document per session, nothing else in it. Default:
    /// <c>sessions</c>. It must use the simple (binary) collation, which is what MongoDB gives a collection created
    /// implicitly, because ids are compared case-sensitively.
    /// </summary>
    public string CollectionName { get; set; } = "sessions";

    /// <summary>
    /// Whether the store creates its schema, the two indexes (the TTL index on <c>expiresAt</c> and
    /// <c>{ subject, _id }</c>), before its first operation. Creating an index that exists with the same options is a
    /// no-op, so several instances may start at once. Turn it off when the application's user may not create indexes;
    /// then create them as the README shows. Default: <see langword="true"/>.
    /// </summary>
    public bool CreateSchemaIfMissing { get; set; } = true;
}
