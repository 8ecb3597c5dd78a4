using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace SessionStores.Cookies.Tests;

/// <summary>Idle and absolute timeouts are read from inside the protected payload (a browser that keeps the cookie
/// longer gains nothing), on a fake clock.</summary>
public sealed class CookieTimeoutTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(20);

    [Fact]
    public async Task A_session_idle_past_the_idle_timeout_starts_empty_and_a_touch_keeps_an_active_one_alive()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var site = await StartAsync(clock, o => o.TouchThreshold = TimeSpan.FromMinutes(5));
        using var browser = site.NewBrowser();
        await browser.GetAsync("/set?key=a&value=1");

        // Within the touch threshold a read writes nothing; past it, the read rewrites the cookie (a touch).
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal("1", await browser.GetAsync("/read?key=a"));
        Assert.Empty(browser.LastSetCookieLines);
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("1", await browser.GetAsync("/read?key=a"));
        Assert.NotEmpty(browser.LastSetCookieLines);

        // 19 minutes after the touch (25 after the write) the session lives; the cookie it had before the touch would not.
        var beforeTouch = browser.SessionCookies();
        clock.Advance(TimeSpan.FromMinutes(19));
        Assert.Equal("1", await browser.GetAsync("/read?key=a"));

        clock.Advance(Idle + TimeSpan.FromSeconds(1));
        Assert.Equal("(none)", await browser.GetAsync("/read?key=a"));
        Assert.True(site.Logs.Has(1801, LogLevel.Information));
        Assert.True(browser.LastDeleted(CookieSite.DataCookie));
        browser.RestoreSessionCookies(beforeTouch);
        Assert.Equal("(none)", await browser.GetAsync("/read?key=a"));
    }

    [Fact]
    public async Task A_session_past_its_absolute_timeout_starts_empty_however_active()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var site = await StartAsync(clock, o => o.AbsoluteTimeout = TimeSpan.FromMinutes(50));
        using var browser = site.NewBrowser();
        Assert.Equal("1", await browser.GetAsync("/incr?key=n"));
        for (var i = 2; i <= 5; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(10));
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), await browser.GetAsync("/incr?key=n"));
        }

        // Active every 10 minutes, yet 50 minutes after creation it ends.
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal("1", await browser.GetAsync("/incr?key=n"));
        Assert.Contains(site.Logs.Entries, e => e.Id.Id == 1801 && e.Message.Contains("absolute", StringComparison.Ordinal));
    }

    private static Task<CookieSite> StartAsync(FakeTimeProvider clock, Action<CookieSessionOptions> configure) =>
        CookieSite.StartAsync(configure, s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.Configure<Microsoft.AspNetCore.Builder.SessionOptions>(o => o.IdleTimeout = Idle);
        });
}
