using System;
using System.Collections.Generic;
using MongoDB.Bson;
using MongoDB.Driver;

namespace SessionStores.Mongo.Internal;

/// <summary>What the driver is asked to run for one <see cref="MongoCommand"/>.</summary>
internal enum MongoCommandKind
{
    Find,
    FindOneAndUpdate,
    DeleteOne,
    DeleteMany,
    Count,
    CreateIndex,
}

/// <summary>
/// One command the store sends: filters, update pipelines and projections as plain BSON, so that tests can render and
/// check every one of them without a server.
/// </summary>
internal sealed record MongoCommand(string Name, MongoCommandKind Kind, BsonDocument Filter)
{
    /// <summary>The update pipeline (FindOneAndUpdate only).</summary>
    public BsonDocument[]? Pipeline { get; init; }

    /// <summary>The projection; <see langword="null"/> returns whole documents.</summary>
    public BsonDocument? Projection { get; init; }

    /// <summary>The sort (listing only).</summary>
    public BsonDocument? Sort { get; init; }

    /// <summary>The most documents returned (listing, point reads).</summary>
    public int? Limit { get; init; }

    /// <summary>Whether a FindOneAndUpdate inserts when nothing matches.</summary>
    public bool Upsert { get; init; }

    /// <summary>Index options (CreateIndex only); <see cref="Filter"/> then holds the index keys.</summary>
    public BsonDocument? IndexOptions { get; init; }

    /// <summary>The whole command as one document, for tests and diagnostics (never logged: it can carry data).</summary>
    /// <returns>The rendering.</returns>
    public BsonDocument ToBsonDocument()
    {
        var doc = new BsonDocument { { "name", Name }, { "kind", Kind.ToString() }, { "filter", Filter } };
        if (Pipeline is not null)
        {
            doc.Add("pipeline", new BsonArray(Pipeline));
        }

        doc.Add("projection", Projection, Projection is not null);
        doc.Add("sort", Sort, Sort is not null);
        doc.Add("limit", Limit ?? 0, Limit is not null);
        doc.Add("upsert", Upsert, Upsert);
        doc.Add("indexOptions", IndexOptions, IndexOptions is not null);
        return doc;
    }
}

/// <summary>
/// Builds every filter, update pipeline and projection the MongoDB store sends. Nothing else in the store builds BSON,
/// so <see cref="Samples"/> can hand the tests all of them.
/// </summary>
/// <remarks>
/// Expiry is always decided by the server's clock (<c>$$NOW</c>, one value per command), never by this process. A
/// document counts as live when its <c>expiresAt</c> is a date after <c>$$NOW</c>; a document whose expiry cannot be
/// read at all is not treated as absent but returned, so that the decoder reports it as corrupt (the
/// <see cref="SessionDataCorruptedException"/> policy). Client values inside pipelines are wrapped in <c>$literal</c>
/// so that a subject such as <c>"$x"</c> is never read as a field path.
/// </remarks>
internal static class MongoCommands
{
    public const string IdField = "_id";
    public const string DataField = "data";
    public const string VersionField = "version";
    public const string ExpiresAtField = "expiresAt";
    public const string CreatedAtField = "createdAt";
    public const string SubjectField = "subject";

    /// <summary>The token of the create-only write that created the document (how that command tells "written" from "found").</summary>
    public const string WriteTokenField = "writeToken";

    /// <summary>Not stored: computed by the info projection (<c>-1</c> when <c>data</c> is not binary).</summary>
    public const string SizeField = "size";

    public const string ExpiryIndexName = "expiresAt_ttl";
    public const string SubjectIndexName = "subject_id";

    /// <summary>The server's error code for a duplicate key (two first writes of one id raced on <c>_id</c>).</summary>
    public const int DuplicateKeyCode = 11000;

    private const string Now = "$$NOW";

    /// <summary>Whether a write lost a duplicate-key race on <c>_id</c>, which <c>Set</c> answers itself.</summary>
    public static bool IsDuplicateKey(Exception exception) => exception switch
    {
        MongoWriteException write => write.WriteError?.Category == ServerErrorCategory.DuplicateKey,
        MongoCommandException command => command.Code == DuplicateKeyCode,
        _ => false,
    };

    /// <summary>Get: the live (or undecodable) document, whole.</summary>
    public static MongoCommand Get(string id) =>
        new("get", MongoCommandKind.Find, ById(id)) { Limit = 1 };

    /// <summary>GetAndTouch: one findAndModify; a decodable live document gets a new expiry, an undecodable one is left
    /// unchanged and returned so the read reports it. No upsert: an absent session stays absent.</summary>
    public static MongoCommand GetAndTouch(string id, long ttlMilliseconds) =>
        new("get_and_touch", MongoCommandKind.FindOneAndUpdate, ById(id)) { Pipeline = TouchPipeline(ttlMilliseconds) };

    /// <summary>Touch: as GetAndTouch but returning only the metadata (the data stays on the server).</summary>
    public static MongoCommand Touch(string id, long ttlMilliseconds) =>
        new("touch", MongoCommandKind.FindOneAndUpdate, ById(id)) { Pipeline = TouchPipeline(ttlMilliseconds), Projection = InfoProjection(includeData: false) };

    /// <summary>
    /// Set without an expected version: an upsert on <c>_id</c> alone. A live, decodable document keeps its
    /// <c>createdAt</c> and gets version + 1; an absent, expired or undecodable one is replaced as new (version 1).
    /// </summary>
    public static MongoCommand Upsert(string id, byte[] data, long ttlMilliseconds, string? subject) =>
        new("set", MongoCommandKind.FindOneAndUpdate, new BsonDocument(IdField, id))
        {
            Pipeline = [SetStage(
                version: Cond(Continues(), new BsonDocument("$add", new BsonArray { "$" + VersionField, 1L }), 1L),
                createdAt: Cond(Continues(), "$" + CreatedAtField, Now),
                data, ttlMilliseconds, subject)],
            Projection = VersionProjection(),
            Upsert = true,
        };

    /// <summary>
    /// Compare-and-set against version <paramref name="expectedVersion"/> (1 or more): matches only the live, decodable
    /// document with exactly that version, so it writes nothing otherwise. No upsert.
    /// </summary>
    public static MongoCommand CompareAndSet(string id, long expectedVersion, byte[] data, long ttlMilliseconds, string? subject) =>
        new("set_if_version", MongoCommandKind.FindOneAndUpdate, new BsonDocument
        {
            { IdField, id },
            { VersionField, expectedVersion },
            { "$expr", new BsonDocument("$and", new BsonArray { IsLive(), Decodable() }) },
        })
        {
            Pipeline = [SetStage(new BsonDocument("$add", new BsonArray { "$" + VersionField, 1L }), "$" + CreatedAtField, data, ttlMilliseconds, subject)],
            Projection = VersionProjection(),
        };

    /// <summary>
    /// Create-only (expected version 0): an upsert on <c>_id</c> alone (MongoDB refuses <c>$expr</c> in an upsert's
    /// filter), whose pipeline keeps a live or unreadable document exactly as it is and otherwise writes the new session
    /// (version 1) together with <paramref name="writeToken"/>. The returned document tells the outcome in the same round
    /// trip: it carries this call's token when it was written; otherwise it is the live session (a conflict at its
    /// version) or an unreadable one (corrupt). Two racing first inserts end in one insert and one conflict: the server
    /// retries an upsert that lost a duplicate-key race on <c>_id</c>, and the retry finds the winner live.
    /// </summary>
    public static MongoCommand CreateOnly(string id, byte[] data, long ttlMilliseconds, string? subject, string writeToken)
    {
        var keep = new BsonDocument("$and", new BsonArray { Exists(), LiveOrUnreadable() });
        return new("set_if_absent", MongoCommandKind.FindOneAndUpdate, new BsonDocument(IdField, id))
        {
            Pipeline =
            [
                new BsonDocument("$set", new BsonDocument
                {
                    { DataField, Cond(keep, "$" + DataField, new BsonDocument("$literal", new BsonBinaryData(data, BsonBinarySubType.Binary))) },
                    { VersionField, Cond(keep, "$" + VersionField, new BsonDocument("$literal", 1L)) },
                    { ExpiresAtField, Cond(keep, "$" + ExpiresAtField, ExpiryFromNow(ttlMilliseconds)) },
                    { CreatedAtField, Cond(keep, "$" + CreatedAtField, Now) },
                    { SubjectField, Cond(keep, "$" + SubjectField, subject is null ? "$$REMOVE" : new BsonDocument("$literal", subject)) },
                    { WriteTokenField, Cond(keep, "$" + WriteTokenField, new BsonDocument("$literal", writeToken)) },
                }),
            ],
            Projection = WithWriteToken(InfoProjection(includeData: false)),
            Upsert = true,
        };
    }

    /// <summary>After a compare-and-set conflict: the current live version (the only second round trip, on the conflict path).</summary>
    public static MongoCommand CurrentVersion(string id) =>
        new("set_conflict_read", MongoCommandKind.Find, ById(id)) { Projection = InfoProjection(includeData: false), Limit = 1 };

    /// <summary>Destroy: deletes the live (or undecodable) document; expired ones are left to the TTL monitor.</summary>
    public static MongoCommand Destroy(string id) =>
        new("destroy", MongoCommandKind.DeleteOne, ById(id));

    /// <summary>DestroyMany: all live (or undecodable) documents, or those of one subject.</summary>
    public static MongoCommand DestroyMany(string? subject) =>
        new("destroy_many", MongoCommandKind.DeleteMany, Matching(subject));

    /// <summary>Count of live (or undecodable) documents, all or of one subject.</summary>
    public static MongoCommand Count(string? subject) =>
        new("count", MongoCommandKind.Count, Matching(subject));

    /// <summary>
    /// One listing page: ids strictly after <paramref name="afterId"/> (empty for the first page), in <c>_id</c>
    /// order, so the cursor is stable: a session is never skipped or repeated when nothing writes meanwhile.
    /// </summary>
    public static MongoCommand ListPage(string? subject, string afterId, int pageSize, bool includeData)
    {
        var filter = Matching(subject);
        filter.InsertAt(subject is null ? 0 : 1, new BsonElement(IdField, new BsonDocument("$gt", afterId)));
        return new("list", MongoCommandKind.Find, filter)
        {
            Projection = InfoProjection(includeData),
            Sort = new BsonDocument(IdField, 1),
            Limit = pageSize,
        };
    }

    /// <summary>The TTL index: the server removes a document once its <c>expiresAt</c> date has passed (the monitor
    /// runs about once a minute, which is why every read also filters on <c>$$NOW</c>).</summary>
    public static MongoCommand ExpiryIndex() =>
        new("create_index", MongoCommandKind.CreateIndex, new BsonDocument(ExpiresAtField, 1))
        {
            IndexOptions = new BsonDocument { { "name", ExpiryIndexName }, { "expireAfterSeconds", 0 } },
        };

    /// <summary>The subject index: listing, counting and deleting one subject's sessions, in <c>_id</c> order.</summary>
    public static MongoCommand SubjectIndex() =>
        new("create_index", MongoCommandKind.CreateIndex, new BsonDocument { { SubjectField, 1 }, { IdField, 1 } })
        {
            IndexOptions = new BsonDocument("name", SubjectIndexName),
        };

    /// <summary>Every command shape the store can send, with sample arguments (for the tests).</summary>
    /// <returns>The commands.</returns>
    public static IEnumerable<MongoCommand> Samples()
    {
        const string id = "sample-id_0.9~";
        byte[] data = [0, 1, 2, 255];
        const long ttl = 1_500;
        yield return Get(id);
        yield return GetAndTouch(id, ttl);
        yield return Touch(id, ttl);
        foreach (var subject in new[] { null, "$user" })
        {
            yield return Upsert(id, data, ttl, subject);
            yield return CompareAndSet(id, 3, data, ttl, subject);
            yield return CreateOnly(id, data, ttl, subject, "0123456789abcdef0123456789abcdef");
            yield return DestroyMany(subject);
            yield return Count(subject);
            foreach (var includeData in new[] { false, true })
            {
                yield return ListPage(subject, string.Empty, 100, includeData);
                yield return ListPage(subject, id, 100, includeData);
            }
        }

        yield return CurrentVersion(id);
        yield return Destroy(id);
        yield return ExpiryIndex();
        yield return SubjectIndex();
    }

    /// <summary><c>expiresAt</c> is a date after the server's now.</summary>
    internal static BsonDocument IsLive() =>
        new BsonDocument("$and", new BsonArray
        {
            TypeIs(ExpiresAtField, "date"),
            new BsonDocument("$gt", new BsonArray { "$" + ExpiresAtField, Now }),
        });

    /// <summary>Live, or with an expiry that cannot be read (reported as corrupt instead of hidden).</summary>
    internal static BsonDocument LiveOrUnreadable() =>
        new("$or", new BsonArray { IsLive(), new BsonDocument("$ne", new BsonArray { new BsonDocument("$type", "$" + ExpiresAtField), "date" }) });

    /// <summary>Every field has the type this store writes.</summary>
    internal static BsonDocument Decodable() =>
        new("$and", new BsonArray
        {
            TypeIs(DataField, "binData"),
            new BsonDocument("$in", new BsonArray { new BsonDocument("$type", "$" + VersionField), new BsonArray { "long", "int" } }),
            new BsonDocument("$gte", new BsonArray { "$" + VersionField, 1 }),
            TypeIs(ExpiresAtField, "date"),
            TypeIs(CreatedAtField, "date"),
            new BsonDocument("$in", new BsonArray { new BsonDocument("$type", "$" + SubjectField), new BsonArray { "missing", "string" } }),
        });

    /// <summary>The document holds a session at all (an upsert's new document has only its <c>_id</c>).</summary>
    internal static BsonDocument Exists() =>
        new("$or", new BsonArray
        {
            new BsonDocument("$ne", new BsonArray { new BsonDocument("$type", "$" + VersionField), "missing" }),
            new BsonDocument("$ne", new BsonArray { new BsonDocument("$type", "$" + ExpiresAtField), "missing" }),
            new BsonDocument("$ne", new BsonArray { new BsonDocument("$type", "$" + DataField), "missing" }),
        });

    private static BsonDocument Continues() => new("$and", new BsonArray { IsLive(), Decodable() });

    private static BsonDocument ById(string id) =>
        new() { { IdField, id }, { "$expr", LiveOrUnreadable() } };

    private static BsonDocument Matching(string? subject)
    {
        var filter = new BsonDocument();
        if (subject is not null)
        {
            filter.Add(SubjectField, new BsonDocument("$eq", subject));
        }

        filter.Add("$expr", LiveOrUnreadable());
        return filter;
    }

    private static BsonDocument[] TouchPipeline(long ttlMilliseconds) =>
    [
        new BsonDocument("$set", new BsonDocument(ExpiresAtField, Cond(Decodable(), ExpiryFromNow(ttlMilliseconds), "$" + ExpiresAtField))),
    ];

    private static BsonDocument SetStage(BsonValue version, BsonValue createdAt, byte[] data, long ttlMilliseconds, string? subject) =>
        new("$set", new BsonDocument
        {
            { DataField, new BsonDocument("$literal", new BsonBinaryData(data, BsonBinarySubType.Binary)) },
            { VersionField, version },
            { ExpiresAtField, ExpiryFromNow(ttlMilliseconds) },
            { CreatedAtField, createdAt },
            { SubjectField, subject is null ? "$$REMOVE" : new BsonDocument("$literal", subject) },
        });

    private static BsonDocument ExpiryFromNow(long ttlMilliseconds) =>
        new("$add", new BsonArray { Now, new BsonInt64(ttlMilliseconds) });

    private static BsonDocument Cond(BsonValue condition, BsonValue then, BsonValue otherwise) =>
        new("$cond", new BsonDocument { { "if", condition }, { "then", then }, { "else", otherwise } });

    private static BsonDocument TypeIs(string field, string type) =>
        new("$eq", new BsonArray { new BsonDocument("$type", "$" + field), type });

    private static BsonDocument VersionProjection() => new(VersionField, 1);

    private static BsonDocument WithWriteToken(BsonDocument projection)
    {
        projection.Add(WriteTokenField, 1);
        return projection;
    }

    private static BsonDocument InfoProjection(bool includeData)
    {
        var projection = new BsonDocument
        {
            { VersionField, 1 },
            { ExpiresAtField, 1 },
            { CreatedAtField, 1 },
            { SubjectField, 1 },
            { SizeField, Cond(TypeIs(DataField, "binData"), new BsonDocument("$binarySize", "$" + DataField), -1) },
        };
        projection.Add(DataField, 1, includeData);
        return projection;
    }
}
