using System;
using MongoDB.Bson;
using SessionStores.Mongo.Internal;
using Xunit;

namespace SessionStores.Mongo.Tests;

/// <summary>The document decoder: what the store writes reads back; anything else is a <see cref="SessionDataCorruptedException"/>.</summary>
public sealed class MongoDecodingTests
{
    private static readonly DateTime Expires = new(2030, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
    private static readonly DateTime Created = new(2029, 1, 2, 3, 4, 5, 9, DateTimeKind.Utc);

    private static BsonDocument Valid() => new()
    {
        { "_id", "abc" },
        { "data", new BsonBinaryData(new byte[] { 0, 255, 7 }, BsonBinarySubType.Binary) },
        { "version", 3L },
        { "expiresAt", Expires },
        { "createdAt", Created },
        { "subject", "alice" },
    };

    [Fact]
    public void A_stored_document_decodes_bit_exact_to_the_millisecond()
    {
        var record = MongoCodec.ToRecord("abc", Valid());

        Assert.Equal(new byte[] { 0, 255, 7 }, record.Data.ToArray());
        Assert.Equal(3, record.Version);
        Assert.Equal(new DateTimeOffset(Expires), record.ExpiresAt);
        Assert.Equal(new DateTimeOffset(Created), record.CreatedAt);
        Assert.Equal("alice", record.Subject);
    }

    [Fact]
    public void A_listed_document_takes_its_size_from_the_projection_and_data_only_when_asked()
    {
        var doc = Valid();
        doc.Add("size", 3);

        var withData = MongoCodec.ToInfo(doc, includeData: true);
        doc.Remove("data");
        var withoutData = MongoCodec.ToInfo(doc, includeData: false);

        Assert.Equal(new byte[] { 0, 255, 7 }, withData.Data!.Value.ToArray());
        Assert.Null(withoutData.Data);
        Assert.Equal(3, withoutData.Size);
        Assert.Equal("abc", withoutData.Id);
    }

    [Theory]
    [InlineData("data", "a string")]
    [InlineData("version", "3")]
    [InlineData("version", 0L)]
    [InlineData("expiresAt", 12345L)]
    [InlineData("createdAt", "yesterday")]
    [InlineData("subject", 42)]
    public void A_field_of_the_wrong_type_is_reported_as_corrupt_naming_the_id(string field, object value)
    {
        var doc = Valid();
        doc[field] = BsonValue.Create(value);

        var ex = Assert.Throws<SessionDataCorruptedException>(() => MongoCodec.ToRecord("abc", doc));

        Assert.Equal("abc", ex.SessionId);
        Assert.False(ex.IsTransient);
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_listing_reports_non_binary_data_through_the_computed_size()
    {
        var doc = Valid();
        doc.Remove("data");
        doc.Add("size", -1);

        Assert.Throws<SessionDataCorruptedException>(() => MongoCodec.ToInfo(doc, includeData: false));
    }

    [Fact]
    public void A_missing_field_is_reported_as_corrupt()
    {
        foreach (var field in new[] { "data", "version", "expiresAt", "createdAt" })
        {
            var doc = Valid();
            doc.Remove(field);
            Assert.Throws<SessionDataCorruptedException>(() => MongoCodec.ToRecord("abc", doc));
        }
    }
}
