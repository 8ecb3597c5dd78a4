using System;
using MongoDB.Bson;
using static SessionStores.Mongo.Internal.MongoCommands;

namespace SessionStores.Mongo.Internal;

/// <summary>
/// Reads the documents the store writes: <c>{ _id, data: BinData, version: long, expiresAt: Date, createdAt: Date,
/// subject?: string }</c>. Anything else is reported as <see cref="SessionDataCorruptedException"/>, never guessed at.
/// </summary>
internal static class MongoCodec
{
    private const long MinUnixMilliseconds = -62_135_596_800_000;
    private const long MaxUnixMilliseconds = 253_402_300_799_999;

    public static SessionRecord ToRecord(string id, BsonDocument doc)
    {
        if (!doc.TryGetValue(DataField, out var data) || data is not BsonBinaryData binary)
        {
            throw Corrupt(id, $"'{DataField}' is {Describe(data)}, not binary data");
        }

        var (version, expiresAt, createdAt, subject) = ReadMetadata(id, doc);
        return new SessionRecord(id, binary.Bytes, version, expiresAt, createdAt, subject);
    }

    public static SessionInfo ToInfo(BsonDocument doc, bool includeData)
    {
        var id = ReadId(doc);
        var (version, expiresAt, createdAt, subject) = ReadMetadata(id, doc);
        var size = doc.TryGetValue(SizeField, out var sizeValue) && sizeValue.IsNumeric ? sizeValue.ToInt64() : -1;
        if (size < 0)
        {
            throw Corrupt(id, $"'{DataField}' is not binary data");
        }

        ReadOnlyMemory<byte>? data = null;
        if (includeData)
        {
            if (!doc.TryGetValue(DataField, out var dataValue) || dataValue is not BsonBinaryData binary)
            {
                throw Corrupt(id, $"'{DataField}' is not binary data");
            }

            data = binary.Bytes;
        }

        return new SessionInfo(id, version, expiresAt, createdAt, subject, size, data);
    }

    public static string ReadId(BsonDocument doc) =>
        doc.TryGetValue(IdField, out var id) && id is BsonString s ? s.Value : throw Corrupt(id?.ToString() ?? "(none)", "'_id' is not a string");

    private static (long Version, DateTimeOffset ExpiresAt, DateTimeOffset CreatedAt, string? Subject) ReadMetadata(string id, BsonDocument doc)
    {
        var version = doc.TryGetValue(VersionField, out var v) && v is BsonInt64 or BsonInt32 ? v.ToInt64() : 0;
        if (version < 1)
        {
            throw Corrupt(id, $"'{VersionField}' is {Describe(v)}, not a version of 1 or more");
        }

        var expiresAt = ReadDate(id, doc, ExpiresAtField);
        var createdAt = ReadDate(id, doc, CreatedAtField);
        string? subject = null;
        if (doc.TryGetValue(SubjectField, out var s))
        {
            subject = s is BsonString str ? str.Value : throw Corrupt(id, $"'{SubjectField}' is {Describe(s)}, not a string");
        }

        return (version, expiresAt, createdAt, subject);
    }

    private static DateTimeOffset ReadDate(string id, BsonDocument doc, string field) =>
        doc.TryGetValue(field, out var value) && value is BsonDateTime date
            && date.MillisecondsSinceEpoch is >= MinUnixMilliseconds and <= MaxUnixMilliseconds
            ? DateTimeOffset.FromUnixTimeMilliseconds(date.MillisecondsSinceEpoch)
            : throw Corrupt(id, $"'{field}' is {Describe(value)}, not a date");

    private static string Describe(BsonValue? value) => value is null ? "missing" : $"of BSON type {value.BsonType}";

    private static SessionDataCorruptedException Corrupt(string id, string reason) => new(id, reason);
}
