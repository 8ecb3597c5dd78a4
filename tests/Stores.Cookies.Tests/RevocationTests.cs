using System;
using System.Net;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SessionStores.Memory;
using Xunit;

namespace SessionStores.Cookies.Tests;

/// <summary>"Sign out everywhere" for cookies: a per-subject generation in an ordinary store (here the in-memory one).</summary>
public sealed class RevocationTests
{
    [Fact]
    public async Task Signing_a_subject_out_everywhere_empties_its_sessions_on_every_device_and_no_one_elses()
    {
        var store = new MemorySessionStore();
        await using var site = await CookieSite.StartAsync(o => o.RevocationStore = store);
        using var laptop = site.NewBrowser();
        using var phone = site.NewBrowser();
        using var bob = site.NewBrowser();
        await laptop.GetAsync("/login?user=alice");
        await phone.GetAsync("/login?user=alice");
        await bob.GetAsync("/login?user=bob");
        var laptopCopy = laptop.SessionCookies();

        var revocation = site.Services.GetRequiredService<CookieSessionRevocation>();
        Assert.True(revocation.IsEnabled);
        await revocation.SignOutEverywhereAsync("alice", TestContext.Current.CancellationToken);

        Assert.Equal("(none)", await laptop.GetAsync("/user"));
        Assert.True(laptop.LastDeleted(CookieSite.DataCookie));
        Assert.Equal("(none)", await phone.GetAsync("/user"));
        Assert.Equal("bob", await bob.GetAsync("/user"));
        Assert.True(site.Logs.Has(1802, LogLevel.Information));

        // A copy of an old cookie stays revoked; a new sign-in of alice is not.
        laptop.RestoreSessionCookies(laptopCopy);
        Assert.Equal("(none)", await laptop.GetAsync("/user"));
        await laptop.GetAsync("/login?user=alice");
        Assert.Equal("alice", await laptop.GetAsync("/user"));
        Assert.Equal("alice", await laptop.GetAsync("/user"));
    }

    [Fact]
    public async Task The_revocation_store_can_be_the_applications_registered_store_as_the_README_shows()
    {
        var store = new MemorySessionStore();
        await using var site = await CookieSite.StartAsync(services: s =>
        {
            s.AddSingleton<ISessionStore>(store);
            s.AddOptions<CookieSessionOptions>().Configure<ISessionStore>((o, registered) => o.RevocationStore = registered);
        });
        using var browser = site.NewBrowser();
        await browser.GetAsync("/login?user=dave");
        await site.Services.GetRequiredService<CookieSessionRevocation>().SignOutEverywhereAsync("dave", TestContext.Current.CancellationToken);
        Assert.Equal("(none)", await browser.GetAsync("/user"));
        Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject("dave"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Generations_only_grow_and_live_in_the_store_under_a_hashed_id()
    {
        var store = new MemorySessionStore();
        await using var site = await CookieSite.StartAsync(o => o.RevocationStore = store);
        var revocation = site.Services.GetRequiredService<CookieSessionRevocation>();
        var first = await revocation.SignOutEverywhereAsync("carol", TestContext.Current.CancellationToken);
        var second = await revocation.SignOutEverywhereAsync("carol", TestContext.Current.CancellationToken);
        Assert.True(second > first);
        Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject("carol"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Without_a_revocation_store_signing_out_everywhere_says_which_option_is_missing()
    {
        await using var site = await CookieSite.StartAsync();
        var revocation = site.Services.GetRequiredService<CookieSessionRevocation>();
        Assert.False(revocation.IsEnabled);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => revocation.SignOutEverywhereAsync("alice", TestContext.Current.CancellationToken));
        Assert.Contains("CookieSessionOptions.RevocationStore", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_revocation_store_a_synchronous_access_before_LoadAsync_says_to_load_first()
    {
        await using var site = await CookieSite.StartAsync(o => o.RevocationStore = new MemorySessionStore());
        using var browser = site.NewBrowser();
        using var response = await browser.SendAsync("/sync-read?key=a");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }
}
