using System.Collections.Generic;
using System.Text.Json.Nodes;
using Xunit;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>Comparing sessions as the two apps report them (Express's includes its cookie object).</summary>
internal static class SessionJson
{
    public static JsonObject WithoutCookie(JsonNode session, IEnumerable<string>? formatFields = null)
    {
        var copy = session.DeepClone().AsObject();
        copy.Remove("cookie");
        foreach (var field in formatFields ?? [])
        {
            copy.Remove(field);
        }

        return copy;
    }

    public static void AssertEqual(JsonNode expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected.ToJsonString()}\n     got {actual.ToJsonString()}");
}
