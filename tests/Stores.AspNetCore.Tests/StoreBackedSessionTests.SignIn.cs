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

/// <summary>Sign-in: regenerating the session id, retiring the old one, and what a concurrent change of it does.</summary>
public abstract partial class StoreBackedSessionTests
{
    [Fact]
    public async Task Regenerating_the_id_at_sign_in_moves_the_session_and_leaves_the_old_cookie_worthless()
    {
        await using var site = await StartAsync();
        var cookies = new CookieContainer();
        using var browser = site.NewClient(cookies);
        var oldId = await PutCartAsync(browser);
        var planted = cookies.GetCookies(site.Address)[TestSite.CookieName]!.Value;

        var newId = await browser.GetStringAsync("/login-regenerating?user=alice", Ct);

        // The browser now carries the new id, with the content from before sign-in and the login.
        Assert.NotEqual(oldId, newId);
        Assert.NotEqual(planted, cookies.GetCookies(site.Address)[TestSite.CookieName]!.Value);
        Assert.Equal(newId, await browser.GetStringAsync("/id", Ct));
        Assert.Equal("3", await browser.GetStringAsync("/read?key=cart", Ct));
        Assert.Equal("alice", await browser.GetStringAsync("/read?key=user", Ct));
        Assert.Null(await site.Store.Inner.GetAsync(oldId, Ct));
        Assert.Equal("alice", (await site.Store.Inner.GetAsync(newId, Ct))!.Subject);
        Assert.Equal(1, await site.Services.GetRequiredService<SessionAdmin>().CountAsync("alice", Ct));

        // Whoever kept the old cookie (planted before sign-in) gets nothing of the signed-in session.
        var attackerJar = new CookieContainer();
        attackerJar.Add(site.Address, new Cookie(TestSite.CookieName, planted));
        using var attacker = site.NewClient(attackerJar);
        Assert.Equal("(none)", await attacker.GetStringAsync("/read?key=user", Ct));
        Assert.Equal("(none)", await attacker.GetStringAsync("/read?key=cart", Ct));
    }

    [Fact]
    public async Task Last_write_wins_never_resurrects_a_session_destroyed_between_its_conflict_and_its_overwrite()
    {
        await using var site = await StartAsync(o => o.ConflictPolicy = SessionConflictPolicy.LastWriteWins);
        using var browser = site.NewClient();
        var id = await browser.GetStringAsync("/login?user=alice", Ct);
        var admin = site.Services.GetRequiredService<SessionAdmin>();

        // After this request loads, another writer bumps the version (so its first write conflicts), and right before its
        // second write an admin signs alice out everywhere.
        site.Store.AfterGetAndTouch = async () =>
        {
            site.Store.AfterGetAndTouch = null;
            var current = await site.Store.Inner.GetAsync(id, Ct);
            await site.Store.Inner.SetAsync(id, new SessionWrite(current!.Data, TimeSpan.FromMinutes(5), current.Subject), Ct);
        };
        var sets = 0;
        site.Store.BeforeSet = async () =>
        {
            if (Interlocked.Increment(ref sets) == 2)
            {
                Assert.Equal(1, await admin.SignOutEverywhereAsync("alice", Ct));
            }
        };
        Assert.Equal("set", await browser.GetStringAsync("/set?key=theme&value=dark", Ct));
        site.Store.BeforeSet = null;

        Assert.Equal("(none)", await browser.GetStringAsync("/read?key=user", Ct));
        Assert.Equal("dark", await browser.GetStringAsync("/read?key=theme", Ct));
        Assert.Equal(0, await admin.CountAsync("alice", Ct));
    }

    [Fact]
    public async Task Signing_in_merges_a_change_another_tab_made_to_the_old_session_meanwhile()
    {
        await using var site = await StartAsync(Optimistic());
        var cookies = new CookieContainer();
        using var browser = site.NewClient(cookies);
        var (oldId, signIn, otherTabAnswer) = await SignInWhileAnotherTabSetsAsync(site, cookies, browser, "cart", "4");

        // A different key than the sign-in's own: both changes win (the other tab's was acknowledged), as in any merge,
        // and the old id is gone.
        Assert.Equal("set", otherTabAnswer);
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var newId = await signIn.Content.ReadAsStringAsync(Ct);
        Assert.NotEqual(oldId, newId);
        Assert.Equal(newId, await browser.GetStringAsync("/id", Ct));
        Assert.Equal("4", await browser.GetStringAsync("/read?key=cart", Ct));
        Assert.Equal("alice", await browser.GetStringAsync("/read?key=user", Ct));
        Assert.Null(await site.Store.Inner.GetAsync(oldId, Ct));
        Assert.Equal(1, await site.Services.GetRequiredService<SessionAdmin>().CountAsync("alice", Ct));
    }

    [Theory]
    [InlineData(SessionConflictPolicy.Merge, "user")]
    [InlineData(SessionConflictPolicy.Fail, "cart")]
    public async Task Signing_in_never_destroys_a_change_to_the_old_session_it_cannot_merge(SessionConflictPolicy policy, string key)
    {
        await using var site = await StartAsync(Optimistic(o => o.ConflictPolicy = policy));
        var cookies = new CookieContainer();
        using var browser = site.NewClient(cookies);
        var (oldId, signIn, otherTabAnswer) = await SignInWhileAnotherTabSetsAsync(site, cookies, browser, key, "4");

        // The same key as the sign-in's (or the Fail policy): the other tab's acknowledged change survives, the sign-in
        // reports the conflict, and the browser stays on the old session.
        Assert.Equal("set", otherTabAnswer);
        Assert.Equal(HttpStatusCode.Conflict, signIn.StatusCode);
        Assert.Equal(oldId, await browser.GetStringAsync("/id", Ct));
        Assert.Equal("4", await browser.GetStringAsync($"/read?key={key}", Ct));
        Assert.Equal(0, await site.Services.GetRequiredService<SessionAdmin>().CountAsync("alice", Ct));

        // Signing in again works.
        var newId = await browser.GetStringAsync("/login-regenerating?user=alice", Ct);
        Assert.NotEqual(oldId, newId);
        Assert.Equal("alice", await browser.GetStringAsync("/read?key=user", Ct));
        Assert.Null(await site.Store.Inner.GetAsync(oldId, Ct));
    }

    [Fact]
    public async Task A_sign_in_it_cannot_merge_is_a_409_even_when_removing_its_new_id_fails()
    {
        await using var site = await StartAsync(Optimistic(o => o.ConflictPolicy = SessionConflictPolicy.Fail));
        var cookies = new CookieContainer();
        using var browser = site.NewClient(cookies);
        site.Store.BeforeDestroy = () =>
        {
            site.Store.BeforeDestroy = null;
            throw new SessionStoreException("store down (test)", null, isTransient: true);
        };
        var (oldId, signIn, otherTabAnswer) = await SignInWhileAnotherTabSetsAsync(site, cookies, browser, "cart", "4");
        site.Store.BeforeDestroy = null;

        Assert.Equal("set", otherTabAnswer);
        Assert.Equal(HttpStatusCode.Conflict, signIn.StatusCode);
        Assert.Equal(oldId, await browser.GetStringAsync("/id", Ct));
        Assert.Equal("4", await browser.GetStringAsync("/read?key=cart", Ct));
    }

    [Fact]
    public async Task Signing_out_under_a_new_id_stays_signed_out_when_another_tabs_change_is_merged()
    {
        await using var site = await StartAsync(Optimistic());
        var cookies = new CookieContainer();
        using var browser = site.NewClient(cookies);
        await browser.GetStringAsync("/login-regenerating?user=alice", Ct);
        using var otherTab = site.NewClient(cookies);
        site.Store.BeforeSet = async () =>
        {
            site.Store.BeforeSet = null;
            await otherTab.GetStringAsync("/set?key=cart&value=4", Ct);
        };

        await browser.GetStringAsync("/logout-regenerating", Ct);

        // The other tab's cart is merged in, but the session it came from was alice's: the merge must not bind the new
        // id to her again.
        Assert.Equal("4", await browser.GetStringAsync("/read?key=cart", Ct));
        Assert.Equal("(none)", await browser.GetStringAsync("/read?key=user", Ct));
        Assert.Equal(0, await site.Services.GetRequiredService<SessionAdmin>().CountAsync("alice", Ct));
    }

    /// <summary>Signs in (regenerating the id) while another tab of the same browser sets <paramref name="key"/> on the
    /// old session, between the new id's write and the retirement of the old one.</summary>
    private static async Task<(string OldId, HttpResponseMessage SignIn, string OtherTabAnswer)> SignInWhileAnotherTabSetsAsync(
        TestSite site, CookieContainer cookies, HttpClient browser, string key, string value)
    {
        var oldId = await PutCartAsync(browser);
        using var otherTab = site.NewClient(cookies);
        var otherTabAnswer = "";
        site.Store.BeforeSet = async () =>
        {
            site.Store.BeforeSet = null;
            otherTabAnswer = await otherTab.GetStringAsync($"/set?key={key}&value={value}", Ct);
        };
        var signIn = await browser.GetAsync("/login-regenerating?user=alice", Ct);
        return (oldId, signIn, otherTabAnswer);
    }

    [Fact]
    public async Task A_late_commit_of_a_regenerated_id_keeps_both_sessions_when_the_old_one_changed_meanwhile()
    {
        // Committing after the response (as the built-in session does): the browser has the new id before the conflict
        // with the other tab shows, so neither session may be destroyed.
        await using var site = await StartAsync(Optimistic(o => o.CommitBeforeResponse = false));
        var cookies = new CookieContainer();
        using var browser = site.NewClient(cookies);
        var oldId = await PutCartAsync(browser);

        // The other tab keeps sending the old cookie (here the new one reaches the browser before the commit).
        var otherJar = new CookieContainer();
        otherJar.Add(site.Address, new Cookie(TestSite.CookieName, cookies.GetCookies(site.Address)[TestSite.CookieName]!.Value));
        using var otherTab = site.NewClient(otherJar);
        site.Store.BeforeSet = async () =>
        {
            site.Store.BeforeSet = null;
            await otherTab.GetStringAsync("/set?key=user&value=mallory", Ct);
        };

        var newId = await browser.GetStringAsync("/login-regenerating?user=alice", Ct);

        // The same key on both sides cannot be merged: the browser keeps the new id, the old keeps the other change.
        Assert.Equal(newId, await browser.GetStringAsync("/id", Ct));
        Assert.Equal("alice", await browser.GetStringAsync("/read?key=user", Ct));
        Assert.NotNull(await site.Store.Inner.GetAsync(oldId, Ct));
        Assert.Equal("mallory", await otherTab.GetStringAsync("/read?key=user", Ct));
        Assert.Equal(1, await site.Services.GetRequiredService<SessionAdmin>().CountAsync("alice", Ct));
    }

    [Fact]
    public async Task A_store_failure_while_retiring_the_old_id_does_not_undo_the_sign_in()
    {
        await using var site = await StartAsync();
        using var browser = site.NewClient(new CookieContainer());
        var oldId = await PutCartAsync(browser);

        // The new id's write succeeds; the next write (retiring the old id) meets a store failure.
        var sets = 0;
        site.Store.BeforeSet = () => ++sets == 2
            ? throw new SessionStoreException("store down (test)", null, isTransient: true)
            : Task.CompletedTask;
        var newId = await browser.GetStringAsync("/login-regenerating?user=alice", Ct);
        site.Store.BeforeSet = null;

        // The sign-in stands (the browser is on the new id, which is stored); the old id was left as it was.
        Assert.NotEqual(oldId, newId);
        Assert.Equal(newId, await browser.GetStringAsync("/id", Ct));
        Assert.Equal("alice", await browser.GetStringAsync("/read?key=user", Ct));
        Assert.Equal("3", await browser.GetStringAsync("/read?key=cart", Ct));
        Assert.NotNull(await site.Store.Inner.GetAsync(oldId, Ct));
    }

    [Fact]
    public async Task A_failed_commit_of_a_regenerated_id_leaves_the_browser_on_its_old_session()
    {
        await using var site = await StartAsync();
        using var browser = site.NewClient(new CookieContainer());
        var oldId = await PutCartAsync(browser);

        site.Store.BeforeSet = () => throw new SessionStoreException("store down (test)", null, isTransient: true);
        var failed = await browser.GetAsync("/login-regenerating?user=alice", Ct);
        site.Store.BeforeSet = null;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal(oldId, await browser.GetStringAsync("/id", Ct));
        Assert.Equal("3", await browser.GetStringAsync("/read?key=cart", Ct));
        Assert.Equal("(none)", await browser.GetStringAsync("/read?key=user", Ct));
    }

    /// <summary>Before sign-in: puts <c>cart=3</c> in the browser's session and returns its id.</summary>
    private static async Task<string> PutCartAsync(HttpClient browser)
    {
        await browser.GetStringAsync("/set?key=cart&value=3", Ct);
        return await browser.GetStringAsync("/id", Ct);
    }
}
