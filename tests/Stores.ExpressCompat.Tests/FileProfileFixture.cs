using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>session-file-store on the Express side, <see cref="ExpressFileSessionStore"/> on the .NET side, one
/// directory of their own.</summary>
public sealed class FileProfileFixture : CrossStackFixture
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("sessionstores-express-files-").FullName;

    public override IReadOnlyList<string> FormatFields => ["__lastAccess"];

    public override async Task<string?> StoredJsonAsync(string id) =>
        System.IO.File.Exists(PathOf(id)) ? await System.IO.File.ReadAllTextAsync(PathOf(id)) : null;

    public override async Task<TimeSpan?> RemainingAsync(string id)
    {
        if (await ReadAsync(id) is not { } session)
        {
            return null;
        }

        var expires = session["__lastAccess"]!.GetValue<long>() + session["cookie"]!["originalMaxAge"]!.GetValue<long>();
        return TimeSpan.FromMilliseconds(expires - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    public override async Task ShortenAsync(string id, TimeSpan remaining)
    {
        var session = (await ReadAsync(id))!;
        var maxAge = session["cookie"]!["originalMaxAge"]!.GetValue<long>();
        session["__lastAccess"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - maxAge + (long)remaining.TotalMilliseconds;
        await System.IO.File.WriteAllTextAsync(PathOf(id), session.ToJsonString());
    }

    public override async Task ExpireAsync(string id)
    {
        var session = (await ReadAsync(id))!;
        session["__lastAccess"] = 0;
        await System.IO.File.WriteAllTextAsync(PathOf(id), session.ToJsonString());
    }

    protected override Task<Action<IServiceCollection>> PrepareAsync(IDictionary<string, string> environment)
    {
        environment["STORE"] = "file";
        environment["FILE_PATH"] = Directory;
        return Task.FromResult<Action<IServiceCollection>>(services => services.AddExpressFileSessionStore(o => o.Path = Directory));
    }

    private string PathOf(string id) => Path.Combine(Directory, id + ".json");

    private async Task<JsonObject?> ReadAsync(string id) =>
        await StoredJsonAsync(id) is { } json ? JsonNode.Parse(json)!.AsObject() : null;
}

/// <summary>The cross-stack tests over session-file-store.</summary>
public sealed class FileCrossStackTests(FileProfileFixture fixture) : CrossStackTests<FileProfileFixture>(fixture);
