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
public abstract partial class StoreBackedSessionTests
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
