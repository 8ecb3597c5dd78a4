using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.AspNetCore.Tests;

/// <summary>Destroy: one session and its cookie, and every session of a subject ("sign out everywhere").</summary>
public abstract partial class StoreBackedSessionTests
{
    [Fact]
    public async Task Destroy_deletes_the_stored_session_and_the_cookie()
    {
        await using var site = await StartAsync();
        var cookies = new CookieContainer();
        using var browser = site.NewClient(cookies);
        await browser.GetStringAsync("/set?key=a&value=1", Ct);
        var id = await browser.GetStringAsync("/id", Ct);
        Assert.NotNull(await site.Store.Inner.GetAsync(id, Ct));

        await browser.GetStringAsync("/destroy", Ct);

        Assert.Null(await site.Store.Inner.GetAsync(id, Ct));
        Assert.DoesNotContain(cookies.GetCookies(site.Address), c => c.Name == TestSite.CookieName);
        Assert.Equal("(none)", await browser.GetStringAsync("/read?key=a", Ct));
    }

    [Fact]
    public async Task Destroy_deletes_a_hardened_cookie_with_its_own_attributes()
    {
        await using var site = await StartAsync(services: s => s.Configure<Microsoft.AspNetCore.Builder.SessionOptions>(o =>
        {
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.Always;
            o.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.None;
            o.Cookie.Path = "/";
        }));

        // A Secure cookie is not sent back over plain HTTP by a cookie jar: carry it by hand.
        using var raw = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = site.Address };
        var set = await raw.GetAsync("/set?key=a&value=1", Ct);
        var issued = Assert.Single(set.Headers.GetValues("Set-Cookie"));
        Assert.Contains("secure", issued, StringComparison.OrdinalIgnoreCase);
        using var destroy = new HttpRequestMessage(HttpMethod.Get, "/destroy");
        destroy.Headers.Add("Cookie", issued.Split(';')[0]);

        var response = await raw.SendAsync(destroy, Ct);

        var deletion = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(TestSite.CookieName + "=;", deletion, StringComparison.Ordinal);
        Assert.Contains("expires=Thu, 01 Jan 1970", deletion, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", deletion, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=none", deletion, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", deletion, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Sign_out_everywhere_destroys_every_session_of_the_subject_only()
    {
        await using var site = await StartAsync();
        using var laptop = site.NewClient();
        using var phone = site.NewClient();
        using var bob = site.NewClient();
        var subject = "alice-" + Guid.NewGuid().ToString("N");
        await laptop.GetStringAsync($"/login?user={subject}", Ct);
        await phone.GetStringAsync($"/login?user={subject}", Ct);
        await bob.GetStringAsync("/login?user=bob", Ct);
        var admin = site.Services.GetRequiredService<SessionAdmin>();
        Assert.Equal(2, await admin.CountAsync(subject, Ct));

        Assert.Equal(2, await admin.SignOutEverywhereAsync(subject, Ct));

        Assert.Equal("(none)", await laptop.GetStringAsync("/read?key=user", Ct));
        Assert.Equal("(none)", await phone.GetStringAsync("/read?key=user", Ct));
        Assert.Equal("bob", await bob.GetStringAsync("/read?key=user", Ct));
        Assert.Equal(0, await admin.CountAsync(subject, Ct));
    }
}
