using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Xunit;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>The cross-stack tests over connect-redis.</summary>
public sealed class RedisCrossStackTests(RedisProfileFixture fixture) : CrossStackTests<RedisProfileFixture>(fixture);

/// <summary>What only the connect-redis profile has: the README's example, which uses connect-redis's default prefix.</summary>
public sealed class RedisProfileTests(RedisProfileFixture fixture) : IClassFixture<RedisProfileFixture>
{
    [Fact]
    public async Task The_readme_example_reads_the_user_an_Express_session_holds()
    {
        await fixture.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var redis = fixture.Redis.Configuration;
        await using var app = ReadmeExample.Build(builder, CrossStackFixture.Secrets[0], redis);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var readme = new Uri(app.Urls.First() + "/");
        using var browser = new Browser();

        // The example uses connect-redis's default prefix: this Express app uses its own, so move the key there.
        var id = (await browser.PostAsync(fixture.Express, "express/set", new { user = new { name = "ana", roles = new[] { "admin" } } }))["id"]!.GetValue<string>();
        await fixture.Db.KeyRenameAsync(fixture.Prefix + id, "sess:" + id);
        var me = await browser.GetAsync(readme, "api/me");

        Assert.Equal("ana", me["name"]!.GetValue<string>());
        Assert.Equal("admin", me["roles"]![0]!.GetValue<string>());
        await fixture.Db.KeyDeleteAsync("sess:" + id);
    }
}
