using System;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SessionStores.Memory;
using Xunit;

namespace SessionStores.AspNetCore.Tests;

/// <summary>Settings that could never work fail when the application starts, naming the setting, not on a later request.</summary>
public sealed class OptionsValidationTests
{
    [Fact]
    public async Task A_touch_threshold_not_shorter_than_the_idle_timeout_fails_at_start()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestSite.StartAsync(
            new MemorySessionStore(),
            o => o.TouchThreshold = TimeSpan.FromMinutes(30),
            s => s.Configure<SessionOptions>(o => o.IdleTimeout = TimeSpan.FromMinutes(20))));
        Assert.Contains("TouchThreshold", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(401 * 24 * 60)]
    public async Task An_idle_timeout_no_store_accepts_fails_at_start(int minutes)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestSite.StartAsync(
            new MemorySessionStore(),
            services: s => s.Configure<SessionOptions>(o => o.IdleTimeout = TimeSpan.FromMinutes(minutes))));
        Assert.Contains("IdleTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_distributed_cache_prefix_with_characters_outside_the_id_alphabet_fails_at_start()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestSite.StartAsync(
            new MemorySessionStore(),
            services: s => s.AddSessionStoreDistributedCache(o => o.KeyPrefix = "bad prefix:")));
        Assert.Contains("KeyPrefix", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_store_fails_at_start_naming_the_calls_that_register_one()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSession();
        builder.Services.AddStoreBackedSession();
        await using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("none is registered", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AddRedisSessionStore", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AddFileSessionStore", ex.Message, StringComparison.Ordinal);
    }
}
