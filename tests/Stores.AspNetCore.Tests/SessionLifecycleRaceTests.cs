using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SessionStores.AspNetCore.Internal;
using SessionStores.Memory;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.AspNetCore.Tests;

/// <summary>
/// Requests that race a session's end (sign out everywhere, expiry, the absolute deadline) or each other's subject
/// changes, and a final commit that fails after the endpoint wrote its body: no acknowledged write is lost, no ended
/// session comes back, no failure passes for a success. Strict ids: an id whose session is gone is never used again, so
/// that a stale request's compare-and-set cannot match a re-created session's restarted version.
/// </summary>
public sealed class SessionLifecycleRaceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_write_to_a_session_that_is_no_longer_stored_starts_a_new_session_under_a_new_id()
    {
        await using var site = await TestSite.StartAsync(new MemorySessionStore());
        var cookies = new CookieContainer();
        using var browser = site.NewClient(cookies);
        await browser.GetStringAsync("/set?key=a&value=1", Ct);
        var old = await browser.GetStringAsync("/id", Ct);
        Assert.True(await site.Store.Inner.DestroyAsync(old, Ct)); // as if it had expired

        // Reading sets no cookie and stores nothing; the first write moves to a new id with its own cookie.
        Assert.Equal("(none)", await browser.GetStringAsync("/read?key=a", Ct));
        Assert.Equal(old, await CookieAsync(cookies, site));
        Assert.Equal("set", await browser.GetStringAsync("/set?key=b&value=2", Ct));

        var fresh = await CookieAsync(cookies, site);
        Assert.NotEqual(old, fresh);
        Assert.Null(await site.Store.Inner.GetAsync(old, Ct));
        Assert.NotNull(await site.Store.Inner.GetAsync(fresh, Ct));
        Assert.Equal(("2", "(none)"), (await browser.GetStringAsync("/read?key=b", Ct), await browser.GetStringAsync("/read?key=a", Ct)));
    }

    [Fact]
    public async Task Requests_queued_behind_the_one_that_moved_a_gone_session_to_a_new_id_follow_it_there()
    {
        await using var site = await TestSite.StartAsync(new MemorySessionStore());
        var cookies = new CookieContainer();
        using var browser = site.NewClient(cookies);
        await browser.GetStringAsync("/incr?key=n", Ct);
        var old = await CookieAsync(cookies, site);
        Assert.True(await site.Store.Inner.DestroyAsync(old, Ct)); // as if it had expired

        // A page's three parallel writes after the expiry: the first holds the turn while the others queue behind it.
        var (loaded, release) = HoldNextLoad(site);
        var first = browser.GetStringAsync("/incr?key=n", Ct);
        await loaded.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var others = new[] { browser.GetStringAsync("/incr?key=n", Ct), browser.GetStringAsync("/incr?key=n", Ct) };
        await QueuedAsync(site, old, 2);
        release.SetResult();

        // One new session holds all three increments, whichever response's cookie the browser kept.
        Assert.Equal(["1", "2", "3"], (await Task.WhenAll([first, .. others])).Order().ToArray());
        Assert.NotEqual(old, await CookieAsync(cookies, site));
        Assert.Equal("3", await browser.GetStringAsync("/count?key=n", Ct));
        Assert.Equal(1, await site.Store.Inner.CountAsync(SessionQuery.All, Ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_request_queued_behind_a_sign_in_with_the_old_id_does_not_follow_it_to_the_new_one(bool oldSessionGone)
    {
        await using var site = await TestSite.StartAsync(new MemorySessionStore());
        var victimCookies = new CookieContainer();
        using var victim = site.NewClient(victimCookies);
        await victim.GetStringAsync("/set?key=a&value=1", Ct);
        var old = await CookieAsync(victimCookies, site);
        if (oldSessionGone)
        {
            // A planted id whose session expired: the sign-in first moves to a fresh id, which is then the signed-in one.
            Assert.True(await site.Store.Inner.DestroyAsync(old, Ct));
        }

        var attackerCookies = new CookieContainer();
        attackerCookies.Add(site.Address, victimCookies.GetCookies(site.Address));
        using var attacker = site.NewClient(attackerCookies);

        // The victim signs in (regenerating the id) while a request with the same old id, planted before, queues behind.
        var (loaded, release) = HoldNextLoad(site);
        var signIn = victim.GetStringAsync("/login-regenerating?user=alice", Ct);
        await loaded.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var queued = attacker.GetStringAsync("/set?key=b&value=2", Ct);
        await QueuedAsync(site, old, 1);
        release.SetResult();
        var signedIn = await signIn;
        Assert.Equal("set", await queued);

        // The old id's holder got a session of its own, not the signed-in one.
        var attackerId = await CookieAsync(attackerCookies, site);
        Assert.NotEqual(signedIn, attackerId);
        Assert.NotEqual(old, attackerId);
        Assert.Equal("(none)", await attacker.GetStringAsync("/read?key=user", Ct));
        Assert.Equal(("alice", "(none)"), (await victim.GetStringAsync("/read?key=user", Ct), await victim.GetStringAsync("/read?key=b", Ct)));
    }

    [Theory]
    [InlineData(SessionConflictPolicy.Merge)]
    [InlineData(SessionConflictPolicy.LastWriteWins)]
    public async Task A_stale_commit_from_another_instance_neither_overwrites_a_session_started_after_sign_out_everywhere_nor_brings_the_old_one_back(SessionConflictPolicy policy)
    {
        var store = new MemorySessionStore();
        var shared = TestSite.SharedKeyRing("lifecycle-race-test");
        Action<StoreBackedSessionOptions> configure = o => o.ConflictPolicy = policy;
        await using var first = await TestSite.StartAsync(store, configure, shared);
        await using var second = await TestSite.StartAsync(store, configure, shared);
        var cookies = new CookieContainer();
        using var viaFirst = first.NewClient(cookies);
        using var viaSecond = second.NewClient(cookies);
        await viaFirst.GetStringAsync("/login?user=alice", Ct);
        cookies.Add(second.Address, cookies.GetCookies(first.Address));
        var old = await CookieAsync(cookies, first);
        var admin = first.Services.GetRequiredService<SessionAdmin>();

        // A loads alice's session (version 1) on the first instance and is held there.
        var (loaded, release) = HoldNextLoad(first);
        var a = viaFirst.GetStringAsync("/set?key=theme&value=dark", Ct);
        await loaded.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(1, await admin.SignOutEverywhereAsync("alice", Ct));

        // Meanwhile the same browser starts a new session through the second instance (also at version 1), acknowledged.
        Assert.Equal("set", await viaSecond.GetStringAsync("/set?key=cart&value=1", Ct));
        var started = new CookieContainer();
        started.Add(second.Address, cookies.GetCookies(second.Address));
        var startedId = await CookieAsync(started, second);
        Assert.NotEqual(old, startedId);

        release.SetResult();
        Assert.Equal("set", await a);

        // The new session keeps its write and is nobody's; alice's session stays gone; A's own change went to a new id.
        using var startedBrowser = second.NewClient(started);
        Assert.Equal(("1", "(none)"), (await startedBrowser.GetStringAsync("/read?key=cart", Ct), await startedBrowser.GetStringAsync("/read?key=user", Ct)));
        Assert.Equal(0, await admin.CountAsync("alice", Ct));
        Assert.Null(await store.GetAsync(old, Ct));
        var ownId = await CookieAsync(cookies, first);
        Assert.NotEqual(old, ownId);
        Assert.NotEqual(startedId, ownId);
        Assert.Equal(("dark", "(none)"), (await viaFirst.GetStringAsync("/read?key=theme", Ct), await viaFirst.GetStringAsync("/read?key=user", Ct)));
    }

    [Fact]
    public async Task A_commit_past_the_absolute_deadline_does_not_destroy_the_session_another_request_started_meanwhile()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new MemorySessionStore(null, clock);
        var shared = TestSite.SharedKeyRing("lifecycle-race-test");
        Action<StoreBackedSessionOptions> absolute = o => o.AbsoluteTimeout = TimeSpan.FromMinutes(30);
        Action<IServiceCollection> services = s =>
        {
            shared(s);
            s.AddSingleton<TimeProvider>(clock);
        };
        await using var first = await TestSite.StartAsync(store, absolute, services);
        await using var second = await TestSite.StartAsync(store, absolute, services);
        var cookies = new CookieContainer();
        using var viaFirst = first.NewClient(cookies);
        using var viaSecond = second.NewClient(cookies);
        await viaFirst.GetStringAsync("/set?key=a&value=1", Ct);
        cookies.Add(second.Address, cookies.GetCookies(first.Address));
        clock.Advance(TimeSpan.FromMinutes(15));
        await viaFirst.GetStringAsync("/read?key=a", Ct);
        clock.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1));

        // A loads one second before the deadline; the deadline passes while it runs.
        var (loaded, release) = HoldNextLoad(first);
        var a = viaFirst.GetStringAsync("/set?key=theme&value=dark", Ct);
        await loaded.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("set", await viaSecond.GetStringAsync("/set?key=cart&value=1", Ct));
        var started = new CookieContainer();
        started.Add(second.Address, cookies.GetCookies(second.Address));

        release.SetResult();
        Assert.Equal("set", await a);

        using var startedBrowser = second.NewClient(started);
        Assert.Equal(("1", "(none)"), (await startedBrowser.GetStringAsync("/read?key=cart", Ct), await startedBrowser.GetStringAsync("/read?key=a", Ct)));
    }

    [Fact]
    public async Task Two_requests_that_change_the_subject_differently_are_a_409_not_a_silently_undone_logout()
    {
        await using var site = await TestSite.StartAsync(new MemorySessionStore(), o => o.Concurrency = SessionConcurrency.Optimistic);
        using var browser = site.NewClient();
        await browser.GetStringAsync("/subject?s=alice", Ct);

        LoadBarrier.On(site.Store, 2);
        var responses = await Task.WhenAll(browser.GetAsync("/subject?s=bob", Ct), browser.GetAsync("/subject", Ct));
        site.Store.AfterGetAndTouch = null;

        var statuses = responses.Select(r => r.StatusCode).Order().ToArray();
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], statuses);
        var winner = responses[0].StatusCode == HttpStatusCode.OK ? "bob" : "(none)";
        Assert.Equal(winner, await browser.GetStringAsync("/get-subject", Ct));
    }

    [Fact]
    public async Task A_failed_final_commit_after_an_unflushed_body_is_a_503_problem_not_an_aborted_response()
    {
        await using var site = await TestSite.StartAsync(new MemorySessionStore());
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=a&value=1", Ct);

        site.Store.BeforeSet = () => throw new SessionStoreException("store down (test)", null, isTransient: true);
        var response = await browser.GetAsync("/set-writer-unflushed?key=a&value=2", Ct);
        site.Store.BeforeSet = null;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotEqual("set", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("1", await browser.GetStringAsync("/read?key=a", Ct));
    }

    [Theory]
    [InlineData("the server's 500")]
    [InlineData("an exception handler's page")]
    [InlineData("a re-executed error page that reads the session")]
    public async Task A_sign_in_that_fails_after_regenerating_the_id_leaves_the_session_where_the_browser_has_it(string answer)
    {
        Action<WebApplication>? errorHandling = answer switch
        {
            "an exception handler's page" => app => app.UseExceptionHandler(e => e.Run(c => c.Response.WriteAsync("error page", Ct))),
            "a re-executed error page that reads the session" => app =>
            {
                app.UseExceptionHandler("/error");
                app.UseRouting();
            },
            _ => null,
        };
        await using var site = await TestSite.StartAsync(new MemorySessionStore(), o => o.WaitTimeout = TimeSpan.FromSeconds(5), beforeSession: errorHandling);
        var cookies = new CookieContainer();
        using var browser = site.NewClient(cookies);
        await browser.GetStringAsync("/set?key=cart&value=3", Ct);
        var before = await CookieAsync(cookies, site);

        var failed = await browser.GetAsync("/login-regenerating-then-fail?user=alice", Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        if (errorHandling is not null)
        {
            // The re-executed page reads the session without waiting for the turn its own request holds.
            var page = answer.StartsWith("a re-executed", StringComparison.Ordinal) ? "error page, cart 3" : "error page";
            Assert.Equal(page, await failed.Content.ReadAsStringAsync(Ct));
        }

        Assert.False(failed.Headers.Contains("Set-Cookie"));
        Assert.Equal(before, await CookieAsync(cookies, site));
        Assert.Equal(("3", "(none)"), (await browser.GetStringAsync("/read?key=cart", Ct), await browser.GetStringAsync("/read?key=user", Ct)));
        Assert.Equal(1, await site.Store.Inner.CountAsync(SessionQuery.All, Ct));
    }

    /// <summary>Waits until <paramref name="count"/> requests queue on the gate of session <paramref name="id"/>.</summary>
    private static Task QueuedAsync(TestSite site, string id, int count)
    {
        var gate = ((StoreBackedSessionStore)site.Services.GetRequiredService<Microsoft.AspNetCore.Session.ISessionStore>()).Gate;
        return Poll.UntilAsync(() => gate.Waiting(id) == count, $"{count} request(s) never queued behind the one holding the session");
    }

    /// <summary>Holds the next load through <paramref name="site"/> after the store answered it, until released.</summary>
    private static (Task Loaded, TaskCompletionSource Release) HoldNextLoad(TestSite site)
    {
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        site.Store.AfterGetAndTouch = async () =>
        {
            site.Store.AfterGetAndTouch = null;
            loaded.SetResult();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(60));
        };
        return (loaded.Task, release);
    }

    /// <summary>The session id the browser's cookie carries (unprotected by reading it back through the site).</summary>
    private static async Task<string> CookieAsync(CookieContainer cookies, TestSite site)
    {
        using var client = site.NewClient(cookies);
        return await client.GetStringAsync("/id", Ct);
    }
}
