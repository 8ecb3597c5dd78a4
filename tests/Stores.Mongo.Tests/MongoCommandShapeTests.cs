using System;
using System.Collections.Generic;
using System.Linq;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;
using MongoDB.Driver;
using SessionStores.Mongo.Internal;
using Xunit;

namespace SessionStores.Mongo.Tests;

/// <summary>
/// Renders every command the store can send (<see cref="MongoCommands.Samples"/>) to BSON and checks its shape.
/// These run without a server: they check what is sent, not what a server does with it. The conformance suite
/// (<see cref="MongoConformance"/>) is what checks behaviour, and only where a server is given.
/// </summary>
public sealed class MongoCommandShapeTests
{
    private const long Ttl = 1_500;
    private const string Id = "sample-id_0.9~";

    public static TheoryData<string> CommandNames() => new(MongoCommands.Samples().Select(c => c.Name).Distinct());

    [Fact]
    public void Samples_cover_every_command_factory()
    {
        // A new factory method must be added to Samples, or this fails: the shape tests then see every command.
        var factories = typeof(MongoCommands).GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(m => m.ReturnType == typeof(MongoCommand)).Select(m => m.Name).ToHashSet();
        var sampled = new HashSet<string>
        {
            nameof(MongoCommands.Get), nameof(MongoCommands.GetAndTouch), nameof(MongoCommands.Touch),
            nameof(MongoCommands.Upsert), nameof(MongoCommands.CompareAndSet), nameof(MongoCommands.CreateOnly),
            nameof(MongoCommands.CurrentVersion), nameof(MongoCommands.Destroy), nameof(MongoCommands.DestroyMany),
            nameof(MongoCommands.Count), nameof(MongoCommands.ListPage), nameof(MongoCommands.ExpiryIndex),
            nameof(MongoCommands.SubjectIndex),
        };
        Assert.Equal(sampled.Order(), factories.Order());
    }

    [Fact]
    public void Every_command_renders_through_the_driver_unchanged()
    {
        var args = new RenderArgs<BsonDocument>(BsonDocumentSerializer.Instance, BsonSerializer.SerializerRegistry);
        foreach (var command in MongoCommands.Samples().Where(c => c.Kind != MongoCommandKind.CreateIndex))
        {
            var filter = new BsonDocumentFilterDefinition<BsonDocument>(command.Filter).Render(args);
            Assert.Equal(command.Filter, filter);
            if (command.Pipeline is not null)
            {
                var update = new PipelineUpdateDefinition<BsonDocument>(PipelineDefinition<BsonDocument, BsonDocument>.Create(command.Pipeline)).Render(args);
                Assert.Equal(new BsonArray(command.Pipeline), update);
            }
        }
    }

    [Fact]
    public void Every_filter_on_sessions_decides_liveness_with_the_server_clock()
    {
        // The upserts match on _id alone; their pipelines decide liveness with the same server-clock test.
        foreach (var command in MongoCommands.Samples().Where(c => c.Kind != MongoCommandKind.CreateIndex))
        {
            var decides = command.Upsert ? (BsonValue)new BsonArray(command.Pipeline!) : command.Filter["$expr"];
            Assert.True(Contains(decides, "$$NOW"), command.Name);
            Assert.True(Contains(decides, "$expiresAt"), command.Name);
        }
    }

    [Fact]
    public void Every_write_is_an_update_pipeline_of_set_stages_that_takes_time_from_the_server()
    {
        foreach (var command in MongoCommands.Samples().Where(c => c.Kind == MongoCommandKind.FindOneAndUpdate))
        {
            Assert.NotNull(command.Pipeline);
            var stage = Assert.Single(command.Pipeline);
            Assert.Equal("$set", stage.GetElement(0).Name);
            Assert.True(Contains(stage["$set"]["expiresAt"], new BsonDocument("$add", new BsonArray { "$$NOW", Ttl })), command.Name);
        }
    }

    [Fact]
    public void Client_values_in_pipelines_are_literals_never_field_paths()
    {
        var command = MongoCommands.Upsert(Id, [1, 2], Ttl, "$user.name");
        var set = command.Pipeline![0]["$set"].AsBsonDocument;

        Assert.Equal(new BsonDocument("$literal", "$user.name"), set["subject"]);
        Assert.Equal(new BsonDocument("$literal", new BsonBinaryData(new byte[] { 1, 2 }, BsonBinarySubType.Binary)), set["data"]);
        Assert.Equal("$$REMOVE", MongoCommands.Upsert(Id, [], Ttl, null).Pipeline![0]["$set"]["subject"]);
    }

    [Fact]
    public void GetAndTouch_is_one_find_and_modify_that_never_creates_and_leaves_damaged_documents_alone()
    {
        var command = MongoCommands.GetAndTouch(Id, Ttl);

        Assert.Equal(MongoCommandKind.FindOneAndUpdate, command.Kind);
        Assert.False(command.Upsert);
        Assert.Null(command.Projection);
        Assert.Equal(Id, command.Filter["_id"]);
        var expiry = command.Pipeline![0]["$set"]["expiresAt"]["$cond"].AsBsonDocument;
        Assert.Equal(MongoCommands.Decodable(), expiry["if"]);
        Assert.Equal("$expiresAt", expiry["else"]);
        Assert.Single(command.Pipeline[0]["$set"].AsBsonDocument);
    }

    [Fact]
    public void Touch_returns_metadata_only()
    {
        var command = MongoCommands.Touch(Id, Ttl);

        Assert.False(command.Upsert);
        Assert.False(command.Projection!.Contains("data"));
        Assert.True(Contains(command.Projection["size"], new BsonDocument("$binarySize", "$data")));
    }

    [Fact]
    public void Upsert_matches_on_the_id_alone_and_continues_only_a_live_decodable_session()
    {
        var command = MongoCommands.Upsert(Id, [7], Ttl, "alice");

        Assert.True(command.Upsert);
        Assert.Equal(new BsonDocument("_id", Id), command.Filter);
        var set = command.Pipeline![0]["$set"].AsBsonDocument;
        var version = set["version"]["$cond"].AsBsonDocument;
        Assert.Equal(new BsonDocument("$add", new BsonArray { "$version", 1L }), version["then"]);
        Assert.Equal(1L, version["else"]);
        Assert.Equal("$$NOW", set["createdAt"]["$cond"]["else"]);
        Assert.Equal("$createdAt", set["createdAt"]["$cond"]["then"]);
        Assert.Equal(version["if"], set["createdAt"]["$cond"]["if"]);
        Assert.True(Contains(version["if"], "$$NOW"));
        Assert.Equal(new BsonDocument("version", 1), command.Projection);
    }

    [Fact]
    public void Compare_and_set_puts_the_expected_version_and_liveness_in_the_filter_and_never_upserts()
    {
        var command = MongoCommands.CompareAndSet(Id, 41, [7], Ttl, null);

        Assert.False(command.Upsert);
        Assert.Equal(Id, command.Filter["_id"]);
        Assert.Equal(41L, command.Filter["version"]);
        Assert.True(Contains(command.Filter["$expr"], "$$NOW"));
        var set = command.Pipeline![0]["$set"].AsBsonDocument;
        Assert.Equal(new BsonDocument("$add", new BsonArray { "$version", 1L }), set["version"]);
        Assert.Equal("$createdAt", set["createdAt"]);
    }

    [Fact]
    public void Create_only_upserts_on_the_id_alone_and_keeps_a_live_or_unreadable_document_untouched()
    {
        var command = MongoCommands.CreateOnly(Id, [7], Ttl, null, "token-1");

        Assert.True(command.Upsert);
        Assert.Equal(new BsonDocument("_id", Id), command.Filter);
        var set = command.Pipeline![0]["$set"].AsBsonDocument;
        var keep = new BsonDocument("$and", new BsonArray { MongoCommands.Exists(), MongoCommands.LiveOrUnreadable() });
        foreach (var field in new[] { "data", "version", "expiresAt", "createdAt", "subject", "writeToken" })
        {
            var cond = set[field]["$cond"].AsBsonDocument;
            Assert.Equal(keep, cond["if"]);
            Assert.Equal("$" + field, cond["then"]);
        }

        Assert.Equal(new BsonDocument("$literal", 1L), set["version"]["$cond"]["else"]);
        Assert.Equal("$$NOW", set["createdAt"]["$cond"]["else"]);
        Assert.Equal("$$REMOVE", set["subject"]["$cond"]["else"]);
        Assert.Equal(new BsonDocument("$literal", "token-1"), set["writeToken"]["$cond"]["else"]);
        Assert.Equal(1, command.Projection!["writeToken"]);
        Assert.Equal(1, command.Projection["version"]);
    }

    [Fact]
    public void No_upsert_filters_with_expr_which_MongoDB_refuses_for_upserts()
    {
        foreach (var command in MongoCommands.Samples().Where(c => c.Upsert))
        {
            // An equality on _id alone: no $expr anywhere, and the server may retry a lost duplicate-key insert race.
            Assert.Equal(new BsonDocument("_id", Id), command.Filter);
        }
    }

    [Fact]
    public void Listing_pages_by_a_stable_id_cursor()
    {
        var first = MongoCommands.ListPage("bob", string.Empty, 250, includeData: false);
        var next = MongoCommands.ListPage(null, "abc", 250, includeData: true);

        Assert.Equal(new BsonDocument("$gt", string.Empty), first.Filter["_id"]);
        Assert.Equal(new BsonDocument("$eq", "bob"), first.Filter["subject"]);
        Assert.Equal(new BsonDocument("$gt", "abc"), next.Filter["_id"]);
        Assert.False(next.Filter.Contains("subject"));
        Assert.Equal(new BsonDocument("_id", 1), first.Sort);
        Assert.Equal(250, first.Limit);
        Assert.False(first.Projection!.Contains("data"));
        Assert.Equal(1, next.Projection!["data"]);
    }

    [Fact]
    public void Live_means_a_date_after_now_and_an_unreadable_expiry_is_reported_not_hidden()
    {
        Assert.Equal(
            BsonDocument.Parse("{ $and: [ { $eq: [ { $type: '$expiresAt' }, 'date' ] }, { $gt: [ '$expiresAt', '$$NOW' ] } ] }"),
            MongoCommands.IsLive());
        Assert.Equal(
            BsonDocument.Parse("{ $ne: [ { $type: '$expiresAt' }, 'date' ] }"),
            MongoCommands.LiveOrUnreadable()["$or"][1]);
        Assert.Equal(MongoCommands.LiveOrUnreadable(), MongoCommands.Destroy(Id).Filter["$expr"]);
        Assert.Equal(MongoCommands.LiveOrUnreadable(), MongoCommands.Count("x").Filter["$expr"]);
        Assert.Equal(MongoCommands.LiveOrUnreadable(), MongoCommands.DestroyMany(null).Filter["$expr"]);
    }

    [Fact]
    public void The_expiry_index_is_a_ttl_index_that_removes_documents_at_their_expiry_date()
    {
        var ttl = MongoCommands.ExpiryIndex();
        var subject = MongoCommands.SubjectIndex();

        Assert.Equal(new BsonDocument("expiresAt", 1), ttl.Filter);
        Assert.Equal(0, ttl.IndexOptions!["expireAfterSeconds"]);
        Assert.Equal(BsonDocument.Parse("{ subject: 1, _id: 1 }"), subject.Filter);
        Assert.NotEqual(ttl.IndexOptions["name"], subject.IndexOptions!["name"]);
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Every_command_serialises_to_valid_bson(string name)
    {
        foreach (var command in MongoCommands.Samples().Where(c => c.Name == name))
        {
            var bytes = command.ToBsonDocument().ToBson();
            Assert.Equal(command.ToBsonDocument(), BsonSerializer.Deserialize<BsonDocument>(bytes));
        }
    }

    /// <summary>Whether <paramref name="target"/> occurs anywhere inside <paramref name="root"/>.</summary>
    private static bool Contains(BsonValue root, BsonValue target) => root.Equals(target) || root switch
    {
        BsonDocument doc => doc.Values.Any(v => Contains(v, target)),
        BsonArray array => array.Any(v => Contains(v, target)),
        _ => false,
    };
}
