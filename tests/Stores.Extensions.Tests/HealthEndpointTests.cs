using System;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SessionStores.Conformance;
using SessionStores.Redis.Tests;
using Xunit;

namespace SessionStores.Extensions.Tests;

/// <summary>The check as an application serves it: registered with AddSessionStoreCheck, mapped with MapHealthChecks.</summary>
public sealed class HealthEndpointTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_live_redis_store_answers_200_Healthy()
    {
        var connectionString = await redis.ConnectionStringAsync();
        await using var app = await StartAsync(services => services.AddRedisSessionStore(o =>
        {
            o.ConnectionString = connectionString;
            o.KeyPrefix = HealthChecking.NewNamespace() + ":";
        }));

        var response = await app.GetTestClient().GetAsync(new Uri("/health", UriKind.Relative), Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(Token));
    }

    [Fact]
    public async Task An_unreachable_store_answers_503_Unhealthy()
    {
        var store = await redis.CreateUnreachableStoreAsync(new ConformanceStoreOptions(HealthChecking.NewNamespace()), Token);
        await using var app = await StartAsync(services => services.AddSingleton(store));

        var response = await app.GetTestClient().GetAsync(new Uri("/health", UriKind.Relative), Token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Unhealthy", await response.Content.ReadAsStringAsync(Token));
    }

    [Fact]
    public async Task Without_a_registered_store_the_check_fails_naming_the_calls_to_make()
    {
        await using var services = new ServiceCollection().AddLogging().AddHealthChecks().AddSessionStoreCheck(tags: ["ready"]).Services.BuildServiceProvider();

        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Token);

        var entry = report.Entries["sessionstore"];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("Add…SessionStore", entry.Description, StringComparison.Ordinal);
        Assert.Equal(["ready"], entry.Tags.ToArray());
    }

    [Fact]
    public void Thresholds_out_of_range_are_rejected_at_registration()
    {
        var builder = new ServiceCollection().AddHealthChecks();

        Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddSessionStoreCheck(degradedAfter: TimeSpan.FromSeconds(5), timeout: TimeSpan.FromSeconds(5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddSessionStoreCheck(timeout: TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => builder.AddSessionStoreCheck(name: " "));
    }

    private static async Task<WebApplication> StartAsync(Action<IServiceCollection> addStore)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        addStore(builder.Services);
        builder.Services.AddHealthChecks().AddSessionStoreCheck();
        var app = builder.Build();
        app.MapHealthChecks("/health");
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }
}
