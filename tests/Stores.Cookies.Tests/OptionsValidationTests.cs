using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SessionStores.Memory;
using Xunit;

namespace SessionStores.Cookies.Tests;

/// <summary>Settings that could never work fail when the application starts, naming the setting.</summary>
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("TouchThreshold")]
    [InlineData("CookieName")]
    [InlineData("ChunkSize")]
    [InlineData("MaxCookieSize")]
    [InlineData("RevocationStore")]
    [InlineData("AbsoluteTimeout")]
    public async Task An_invalid_option_fails_at_start_naming_it(string option)
    {
        Action<CookieSessionOptions> configure = option switch
        {
            "TouchThreshold" => o => o.TouchThreshold = TimeSpan.FromHours(1),
            "CookieName" => o => o.CookieName = CookieSite.SessionCookie,
            "ChunkSize" => o => o.ChunkSize = 100,
            "MaxCookieSize" => o => o.MaxCookieSize = 0,
            "RevocationStore" => o => (o.RevocationStore, o.AbsoluteTimeout) = (new MemorySessionStore(), null),
            _ => o => o.AbsoluteTimeout = TimeSpan.Zero,
        };
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => CookieSite.StartAsync(configure));
        Assert.Contains("CookieSessionOptions." + option, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cookie_name_with_a_separator_fails_at_start()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => CookieSite.StartAsync(o => o.CookieName = "bad name;"));
        Assert.Contains("CookieSessionOptions.CookieName", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registration_replaces_the_session_middlewares_store()
    {
        var services = new ServiceCollection().AddLogging().AddSession().AddCookieSession();
        using var provider = services.BuildServiceProvider();
        Assert.Equal("CookieSessionFactory", provider.GetRequiredService<Microsoft.AspNetCore.Session.ISessionStore>().GetType().Name);
    }
}
