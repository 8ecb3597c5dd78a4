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

/// <summary>
/// HttpContext.Session over a real store, through real HTTP on loopback. Each backend is a sealed subclass (Memory,
/// File, Redis, PostgreSQL); round trips are counted at the store by <see cref="InterceptingSessionStore"/>.
/// </summary>
public abstract class StoreBackedSessionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Creates a store in a fresh namespace of the backend.</summary>
    protected internal abstract Task<ISessionStore> CreateStoreAsync();

    [Fact]
    public async Task Cookie_round_trip_keeps_the_session_and_a_new_client_starts_empty()
    {
        await using var site = await StartAsync();
        using var browser = site.NewClient();
        Assert.Equal("1", await browser.GetStringAsync("/incr?key=n", Ct));
        Assert.Equal("2", await browser.GetStringAsync("/incr?key=n", Ct));
        Assert.Equal("3", await browser.GetStringAsync("/incr?key=n", Ct));

        using var other = site.NewClient();
        Assert.Equal("1", await other.GetStringAsync("/incr?key=n", Ct));
        Assert.Equal("3", await browser.GetStringAsync("/count?key=n", Ct));
    }

    [Fact]
    public async Task Round_trips_are_zero_for_untouched_one_for_read_only_and_two_for_read_modify_write()
    {
        await using var site = await StartAsync();
        using var browser = site.NewClient();

        // A brand-new session: no load (the key was just generated), one create.
        await browser.GetStringAsync("/incr?key=n", Ct);
        Assert.Equal((0, 1), (site.Store.GetAndTouches, site.Store.Sets));

        site.Store.ResetCounts();
        await browser.GetStringAsync("/none", Ct);
        Assert.Equal(0, site.Store.RoundTrips);

        site.Store.ResetCounts();
        Assert.Equal("1", await browser.GetStringAsync("/count?key=n", Ct));
        Assert.Equal(1, site.Store.RoundTrips);
        Assert.Equal(1, site.Store.GetAndTouches);

        site.Store.ResetCounts();
        Assert.Equal("2", await browser.GetStringAsync("/incr?key=n", Ct));
        Assert.Equal(2, site.Store.RoundTrips);
        Assert.Equal((1, 1), (site.Store.GetAndTouches, site.Store.Sets));

        // Setting a value to what it already is changes nothing, so nothing is written.
        await browser.GetStringAsync("/set?key=color&value=blue", Ct);
        site.Store.ResetCounts();
        await browser.GetStringAsync("/set?key=color&value=blue", Ct);
        Assert.Equal((1, 0), (site.Store.GetAndTouches, site.Store.Sets));
    }

    [Fact]
    public async Task A_value_edited_in_place_and_set_again_is_stored()
    {
        await using var site = await StartAsync();
        using var browser = site.NewClient();
        Assert.Equal("1", await browser.GetStringAsync("/incr-in-place?key=b", Ct));

        site.Store.ResetCounts();
        Assert.Equal("2", await browser.GetStringAsync("/incr-in-place?key=b", Ct));
        Assert.Equal(1, site.Store.Sets);
        Assert.Equal("2", await browser.GetStringAsync("/byte?key=b", Ct));
    }

    [Fact]
    public async Task Touch_threshold_reads_without_rewriting_expiry()
    {
        await using var site = await StartAsync(o => o.TouchThreshold = TimeSpan.FromMinutes(5));
        using var browser = site.NewClient();
        await browser.GetStringAsync("/incr?key=n", Ct);
        site.Store.ResetCounts();
        await browser.GetStringAsync("/count?key=n", Ct);
        Assert.Equal((1, 0, 0, 0), (site.Store.Gets, site.Store.GetAndTouches, site.Store.Touches, site.Store.Sets));
    }

    [Fact]
    public async Task Concurrent_requests_changing_different_keys_all_keep_their_update()
    {
        const int requests = 4;
        await using var site = await StartAsync(Optimistic());
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=base&value=0", Ct);

        // Every request loads the same version before any commits: each commit after the first meets a conflict.
        LoadBarrier.On(site.Store, requests);
        site.Store.ResetCounts();
        var responses = await Task.WhenAll(Enumerable.Range(0, requests).Select(i => browser.GetAsync($"/set?key=k{i}&value=v{i}", Ct)));
        site.Store.AfterGetAndTouch = null;

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.True(site.Store.Sets > requests, $"expected compare-and-set conflicts, saw {site.Store.Sets} writes for {requests} requests");
        Assert.Equal("base,k0,k1,k2,k3", await browser.GetStringAsync("/keys", Ct));
    }

    [Fact]
    public async Task Concurrent_increments_of_one_key_never_lose_an_acknowledged_update()
    {
        const int requests = 3;
        await using var site = await StartAsync(Optimistic());
        using var browser = site.NewClient();
        await browser.GetStringAsync("/incr?key=n", Ct);

        LoadBarrier.On(site.Store, requests);
        var responses = await Task.WhenAll(Enumerable.Range(0, requests).Select(_ => browser.GetAsync("/incr?key=n", Ct)));
        site.Store.AfterGetAndTouch = null;

        // Same key, same starting value: one wins, the others are told (409) instead of silently counting once.
        var ok = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(1, ok);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.Equal((1 + ok).ToString(System.Globalization.CultureInfo.InvariantCulture), await browser.GetStringAsync("/count?key=n", Ct));
    }

    [Fact]
    public async Task Last_write_wins_policy_loses_the_other_requests_keys_as_documented()
    {
        const int requests = 3;
        await using var site = await StartAsync(Optimistic(o => o.ConflictPolicy = SessionConflictPolicy.LastWriteWins));
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=base&value=0", Ct);
        LoadBarrier.On(site.Store, requests);
        var responses = await Task.WhenAll(Enumerable.Range(0, requests).Select(i => browser.GetAsync($"/set?key=k{i}&value=v{i}", Ct)));
        site.Store.AfterGetAndTouch = null;

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(2, (await browser.GetStringAsync("/keys", Ct)).Split(',').Length);
    }

    [Fact]
    public async Task Fail_policy_answers_409_on_any_conflict()
    {
        const int requests = 2;
        await using var site = await StartAsync(Optimistic(o => o.ConflictPolicy = SessionConflictPolicy.Fail));
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=base&value=0", Ct);
        LoadBarrier.On(site.Store, requests);
        var responses = await Task.WhenAll(Enumerable.Range(0, requests).Select(i => browser.GetAsync($"/set?key=k{i}&value=v{i}", Ct)));
        site.Store.AfterGetAndTouch = null;

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.Conflict],
            responses.Select(r => r.StatusCode).Order().ToArray());
    }

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
    public async Task Absolute_timeout_ends_an_active_session()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var site = await StartAsync(o => o.AbsoluteTimeout = TimeSpan.FromHours(1), s => s.AddSingleton<TimeProvider>(clock));
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=a&value=1", Ct);
        var id = await browser.GetStringAsync("/id", Ct);

        // Active all along (idle expiry keeps sliding), yet past its absolute lifetime.
        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal("1", await browser.GetStringAsync("/read?key=a", Ct));
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("(none)", await browser.GetStringAsync("/read?key=a", Ct));
        Assert.Null(await site.Store.Inner.GetAsync(id, Ct));
    }

    [Fact]
    public async Task Absolute_timeout_also_bounds_the_stored_expiry_when_a_load_slides_it()
    {
        // The app's clock is fake; the store's is real. 50 minutes into a 1-hour lifetime, 10 minutes remain: the load
        // must not leave the stored session alive for the full 20-minute idle timeout.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var site = await StartAsync(o => o.AbsoluteTimeout = TimeSpan.FromHours(1), s => s.AddSingleton<TimeProvider>(clock));
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=a&value=1", Ct);
        var id = await browser.GetStringAsync("/id", Ct);

        clock.Advance(TimeSpan.FromMinutes(50));
        Assert.Equal("1", await browser.GetStringAsync("/read?key=a", Ct));

        var stored = await site.Store.Inner.GetAsync(id, Ct);
        Assert.NotNull(stored);
        Assert.InRange(stored.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task Last_write_wins_never_brings_back_a_session_destroyed_meanwhile()
    {
        await using var site = await StartAsync(o => o.ConflictPolicy = SessionConflictPolicy.LastWriteWins);
        using var browser = site.NewClient();
        await browser.GetStringAsync("/login?user=alice", Ct);
        var admin = site.Services.GetRequiredService<SessionAdmin>();

        // The request loads alice's session; before it commits, an admin signs alice out everywhere.
        site.Store.AfterGetAndTouch = async () =>
        {
            site.Store.AfterGetAndTouch = null;
            Assert.Equal(1, await admin.SignOutEverywhereAsync("alice", Ct));
        };
        Assert.Equal("set", await browser.GetStringAsync("/set?key=theme&value=dark", Ct));

        // Its own change is kept, but the login is not resurrected.
        Assert.Equal("(none)", await browser.GetStringAsync("/read?key=user", Ct));
        Assert.Equal("dark", await browser.GetStringAsync("/read?key=theme", Ct));
        Assert.Equal(0, await admin.CountAsync("alice", Ct));
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

    [Fact]
    public async Task Back_to_back_requests_read_their_own_writes_even_when_the_store_is_slow()
    {
        await using var site = await StartAsync();
        var cookies = new CookieContainer();
        using var browser = site.NewClient(cookies);
        using var secondConnection = site.NewClient(cookies);
        await browser.GetStringAsync("/set?key=a&value=0", Ct);

        // A slow write: the built-in session would already have sent the response and the next read would see "0".
        site.Store.BeforeSet = () => Task.Delay(300, Ct);
        for (var i = 1; i <= 3; i++)
        {
            await browser.GetStringAsync($"/set-sized?key=a&value={i}", Ct);
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), await secondConnection.GetStringAsync("/read?key=a", Ct));
            await browser.GetAsync($"/set-nobody?key=a&value=x{i}", Ct);
            Assert.Equal($"x{i}", await secondConnection.GetStringAsync("/read?key=a", Ct));
        }
    }

    [Fact]
    public async Task No_response_reaches_the_client_before_its_session_write_is_stored()
    {
        await using var site = await StartAsync();
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set-sized?key=a&value=0", Ct);

        // Hold the next write inside the store.
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        site.Store.BeforeSet = () =>
        {
            entered.TrySetResult();
            return release.Task;
        };
        var response = browser.GetStringAsync("/set-sized?key=a&value=1", Ct);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        // The endpoint has written and flushed its whole body, yet the client must not have it while the write is held.
        await Task.WhenAny(response, Task.Delay(500, Ct));
        Assert.False(response.IsCompleted, "the response reached the client before its session write was stored");

        release.SetResult();
        Assert.Equal("set", await response);
        site.Store.BeforeSet = null;
        Assert.Equal("1", await browser.GetStringAsync("/read?key=a", Ct));
    }

    [Fact]
    public async Task Without_commit_before_response_a_client_can_read_stale_data_the_control_case()
    {
        // The control for the test above: the built-in behaviour, which the default mode exists to prevent.
        await using var site = await StartAsync(Optimistic(o => o.CommitBeforeResponse = false));

        // One browser, two connections (as browsers do): Kestrel serves one connection's requests in order, so a read on
        // the writing connection would wait for the whole pipeline, commit included.
        var cookies = new CookieContainer();
        using var browser = site.NewClient(cookies);
        using var secondConnection = site.NewClient(cookies);
        await browser.GetStringAsync("/set-sized?key=a&value=0", Ct);

        // That first commit also runs after its response: it must be stored before the store starts holding writes, or
        // it would be the one held (and the first connection's next request would queue behind it).
        await Poll.UntilAsync(async () => await secondConnection.GetStringAsync("/read?key=a", Ct) == "0", "the first write was never stored");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        site.Store.BeforeSet = () => release.Task;
        try
        {
            // The response arrives while its write is still held in the store, and the next request reads the old value.
            Assert.Equal("set", await browser.GetStringAsync("/set-sized?key=a&value=1", Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct));
            Assert.Equal("0", await secondConnection.GetStringAsync("/read?key=a", Ct));
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task A_client_that_hangs_up_during_the_commit_does_not_cancel_it()
    {
        await using var site = await StartAsync(services: s => s.AddHttpContextAccessor());
        var accessor = site.Services.GetRequiredService<Microsoft.AspNetCore.Http.IHttpContextAccessor>();
        var cookies = new CookieContainer();
        using var browser = site.NewClient(cookies);
        using var secondConnection = site.NewClient(cookies);
        await browser.GetStringAsync("/set?key=a&value=0", Ct);

        // Given: the write of value 1 is held in the store until the server has seen its client hang up.
        var entered = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        site.Store.BeforeSet = () =>
        {
            entered.TrySetResult(accessor.HttpContext!.RequestAborted);
            return release.Task;
        };
        using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var setsBefore = site.Store.Sets;
        var request = browser.GetAsync("/set?key=a&value=1", hangUp.Token);
        var requestAborted = await entered.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await hangUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await Poll.UntilAsync(() => requestAborted.IsCancellationRequested, "the server never saw the client hang up", 30_000);

        // When the store goes on, the write completes: the change is stored although nobody waits for the answer.
        site.Store.BeforeSet = null;
        release.SetResult();
        // (Read-only: a writing request of the session would queue behind the hung-up one until its commit is stored.)
        await Poll.UntilAsync(async () => await secondConnection.GetStringAsync("/read-only?key=a", Ct) == "1", "the hung-up request's write was dropped", 30_000);

        // And it was the commit itself that stored it, not a second attempt after a cancelled one (the session
        // middleware commits again at the end of a request whose commit threw).
        Assert.Equal(1, site.Store.Sets - setsBefore);
    }

    [Fact]
    public async Task A_store_outage_is_a_503_never_a_silently_dropped_write()
    {
        await using var site = await StartAsync();
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=a&value=1", Ct);

        site.Store.BeforeSet = () => throw new SessionStoreException("store down (test)", null, isTransient: true);
        var withBody = await browser.GetAsync("/set?key=a&value=2", Ct);
        var withoutBody = await browser.GetAsync("/set-nobody?key=a&value=3", Ct);
        site.Store.BeforeSet = null;

        // Whether the commit ran as the body started (Response.OnStarting) or when the middleware ended: 503, and the
        // stored value is unchanged.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, withBody.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, withoutBody.StatusCode);
        Assert.Equal("1", await browser.GetStringAsync("/read?key=a", Ct));

        site.Store.BeforeLoad = () => throw new SessionStoreException("store down (test)", null, isTransient: true);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await browser.GetAsync("/read?key=a", Ct)).StatusCode);
        site.Store.BeforeLoad = null;
        Assert.Equal("1", await browser.GetStringAsync("/read?key=a", Ct));
    }

    [Fact]
    public async Task Degraded_mode_reads_empty_and_refuses_writes_loudly()
    {
        await using var site = await StartAsync(o => o.FailureMode = SessionStoreFailureMode.ReadOnlyWhenUnavailable);
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=a&value=1", Ct);

        site.Store.BeforeLoad = () => throw new SessionStoreException("store down (test)", null, isTransient: true);
        Assert.Equal("(none)", await browser.GetStringAsync("/read?key=a", Ct));
        Assert.Equal(HttpStatusCode.InternalServerError, (await browser.GetAsync("/set?key=a&value=2", Ct)).StatusCode);
        site.Store.BeforeLoad = null;
        Assert.Equal("1", await browser.GetStringAsync("/read?key=a", Ct));
    }

    [Fact]
    public async Task Registering_before_AddSession_works_as_well_as_after()
    {
        await using var site = await StartAsync(registerBeforeAddSession: true);
        using var browser = site.NewClient();
        await browser.GetStringAsync("/incr?key=n", Ct);
        Assert.Equal("2", await browser.GetStringAsync("/incr?key=n", Ct));
        Assert.Equal(1, site.Store.GetAndTouches);
    }

    [Fact]
    public async Task Using_the_session_before_LoadAsync_fails_fast_instead_of_blocking()
    {
        await using var site = await StartAsync();
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=x&value=1", Ct);
        site.Store.ResetCounts();
        Assert.Equal(HttpStatusCode.InternalServerError, (await browser.GetAsync("/unloaded-read", Ct)).StatusCode);
        Assert.Equal(0, site.Store.RoundTrips);
    }

    [Fact]
    public async Task A_damaged_payload_is_an_error_not_an_empty_session_and_destroy_recovers()
    {
        await using var site = await StartAsync();
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=a&value=1", Ct);
        var id = await browser.GetStringAsync("/id", Ct);
        await site.Store.Inner.SetAsync(id, new SessionWrite(new byte[] { 9, 9, 9 }, TimeSpan.FromMinutes(5)), Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, (await browser.GetAsync("/read?key=a", Ct)).StatusCode);
        Assert.Equal(3, (await site.Store.Inner.GetAsync(id, Ct))!.Data.Length);

        await browser.GetStringAsync("/destroy", Ct);
        Assert.Equal("(none)", await browser.GetStringAsync("/read?key=a", Ct));
    }

    [Fact]
    public async Task With_DiscardUnreadableSessions_a_damaged_session_is_destroyed_and_the_request_starts_empty()
    {
        await using var site = await StartAsync(o => o.DiscardUnreadableSessions = true);
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=a&value=1", Ct);
        var id = await browser.GetStringAsync("/id", Ct);
        await site.Store.Inner.SetAsync(id, new SessionWrite(new byte[] { 9, 9, 9 }, TimeSpan.FromMinutes(5)), Ct);

        Assert.Equal("(none)", await browser.GetStringAsync("/read?key=a", Ct));
        Assert.Null(await site.Store.Inner.GetAsync(id, Ct));
        Assert.Equal("set", await browser.GetStringAsync("/set?key=a&value=2", Ct));
        Assert.Equal("2", await browser.GetStringAsync("/read?key=a", Ct));
    }

    [Fact]
    public async Task A_conflict_the_application_handles_after_its_own_CommitAsync_is_its_answer()
    {
        await using var site = await StartAsync(o => o.ConflictPolicy = SessionConflictPolicy.Fail);
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=a&value=1", Ct);

        var response = await browser.GetAsync("/commit-after-concurrent-write", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("conflict handled by the application", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("(none)", await browser.GetStringAsync("/read?key=mine", Ct));
        Assert.Equal("1", await browser.GetStringAsync("/read?key=a", Ct));
    }

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

    /// <summary>No per-session coordination: the tests that make requests race on purpose, to check the merge.</summary>
    private static Action<StoreBackedSessionOptions> Optimistic(Action<StoreBackedSessionOptions>? configure = null) => o =>
    {
        o.Concurrency = SessionConcurrency.Optimistic;
        configure?.Invoke(o);
    };

    private async Task<TestSite> StartAsync(
        Action<StoreBackedSessionOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        bool registerBeforeAddSession = false) =>
        await TestSite.StartAsync(await CreateStoreAsync(), configure, services, registerBeforeAddSession);
}
