using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SessionStores.AspNetCore.Internal;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.AspNetCore.Tests;

/// <summary>
/// Requests of one session in parallel, as a browser makes them: the per-session coordination
/// (<see cref="SessionConcurrency"/>), its bounds, and how failures are answered (problem details). Each backend is a
/// sealed subclass in Backends.cs.
/// </summary>
public abstract class SessionConcurrencyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Creates a store in a fresh namespace of the backend.</summary>
    protected abstract Task<ISessionStore> CreateStoreAsync();

    /// <summary>Waits sized for a loaded 2-core machine running every test project at once: these tests are about what
    /// happens, not how fast (a request queued 24 deep must not be answered 503 because the machine is slow).</summary>
    private static void Patient(StoreBackedSessionOptions o)
    {
        o.WaitTimeout = TimeSpan.FromSeconds(60);
        o.CommitTimeout = TimeSpan.FromSeconds(60);
    }

    [Fact]
    public async Task Serialized_parallel_increments_of_one_key_all_succeed_and_count_exactly()
    {
        const int requests = 24;
        await using var site = await TestSite.StartAsync(await CreateStoreAsync(), Patient);
        using var browser = site.NewClient();
        await browser.GetStringAsync("/incr?key=n", Ct);

        var responses = await Task.WhenAll(Enumerable.Range(0, requests).Select(_ => browser.GetAsync("/incr?key=n", Ct)));

        // The same key in every request: under Optimistic most of these would be 409s; serialized, none is.
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal((1 + requests).ToString(System.Globalization.CultureInfo.InvariantCulture), await browser.GetStringAsync("/count?key=n", Ct));
    }

    [Fact]
    public async Task Serialized_parallel_writes_of_distinct_keys_are_all_kept()
    {
        const int requests = 32;
        await using var site = await TestSite.StartAsync(await CreateStoreAsync(), Patient);
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=base&value=0", Ct);

        var responses = await Task.WhenAll(Enumerable.Range(0, requests).Select(i => browser.GetAsync($"/set?key=k{i}&value=v{i}", Ct)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(requests + 1, (await browser.GetStringAsync("/keys", Ct)).Split(',').Length);
    }

    [Fact]
    public async Task Optimistic_parallel_writes_of_distinct_keys_all_merge()
    {
        const int requests = 16;
        await using var site = await TestSite.StartAsync(await CreateStoreAsync(), o =>
        {
            Patient(o);
            o.Concurrency = SessionConcurrency.Optimistic;
        });
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=base&value=0", Ct);
        LoadBarrier.On(site.Store, requests);

        // All of them load the same version, so all but one lose their first compare-and-set: the backoff keeps merging.
        var responses = await Task.WhenAll(Enumerable.Range(0, requests).Select(i => browser.GetAsync($"/set?key=k{i}&value=v{i}", Ct)));
        site.Store.AfterGetAndTouch = null;

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(requests + 1, (await browser.GetStringAsync("/keys", Ct)).Split(',').Length);
    }

    [Fact]
    public async Task A_read_only_endpoint_does_not_wait_behind_a_writer()
    {
        await using var site = await TestSite.StartAsync(await CreateStoreAsync(), o => o.WaitTimeout = TimeSpan.FromMinutes(1));
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=a&value=1", Ct);
        using var hold = HoldFirstLoad(site);

        var writer = browser.GetAsync("/set?key=a&value=2", Ct);
        await hold.Entered.WaitAsync(Ct);

        // The writer holds the session's turn; a read-only request still answers (with the value before the write).
        Assert.Equal("1", await browser.GetStringAsync("/read-only?key=a", Ct));
        Assert.False(writer.IsCompleted);
        hold.Release();
        Assert.Equal(HttpStatusCode.OK, (await writer).StatusCode);
        Assert.Equal("2", await browser.GetStringAsync("/read?key=a", Ct));
    }

    [Fact]
    public async Task A_writer_waits_its_turn_and_reads_the_previous_writers_change()
    {
        await using var site = await TestSite.StartAsync(await CreateStoreAsync(), o => o.WaitTimeout = TimeSpan.FromMinutes(1));
        using var browser = site.NewClient();
        await browser.GetStringAsync("/incr?key=n", Ct);
        using var hold = HoldFirstLoad(site);

        var id = await browser.GetStringAsync("/id", Ct);
        var first = browser.GetStringAsync("/incr?key=n", Ct);
        await hold.Entered.WaitAsync(Ct);
        var second = browser.GetStringAsync("/incr?key=n", Ct);

        // The second request is queued behind the first (it has not loaded), and only then is the first released.
        var gate = ((StoreBackedSessionStore)site.Services.GetRequiredService<Microsoft.AspNetCore.Session.ISessionStore>()).Gate;
        await Poll.UntilAsync(() => gate.Waiting(id) == 1, "the second request never queued behind the first");
        hold.Release();

        Assert.Equal("2", await first);
        Assert.Equal("3", await second);
    }

    [Fact]
    public async Task In_degraded_mode_requests_queued_behind_a_failed_load_degrade_too()
    {
        await using var site = await TestSite.StartAsync(await CreateStoreAsync(), o =>
        {
            o.FailureMode = SessionStoreFailureMode.ReadOnlyWhenUnavailable;
            o.WaitTimeout = TimeSpan.FromMinutes(1);
        });
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=a&value=1", Ct);
        var id = await browser.GetStringAsync("/id", Ct);
        var gate = ((StoreBackedSessionStore)site.Services.GetRequiredService<Microsoft.AspNetCore.Session.ISessionStore>()).Gate;
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        site.Store.BeforeLoad = async () =>
        {
            entered.TrySetResult();
            await release.Task;
            throw new SessionStoreException("store down (test)", null, isTransient: true);
        };

        var first = browser.GetAsync("/read?key=a", Ct);
        await entered.Task.WaitAsync(Ct);
        var second = browser.GetAsync("/read?key=a", Ct);
        await Poll.UntilAsync(() => gate.Waiting(id) == 1, "the second request never queued behind the first");
        release.SetResult();

        // Both read an empty, read-only session (the documented degraded mode), the queued one without a store call.
        Assert.Equal("(none)", await (await first).Content.ReadAsStringAsync(Ct));
        var queued = await second;
        Assert.Equal(HttpStatusCode.OK, queued.StatusCode);
        Assert.Equal("(none)", await queued.Content.ReadAsStringAsync(Ct));
        site.Store.BeforeLoad = null;
    }

    [Fact]
    public async Task A_writer_behind_a_stuck_writer_gets_a_503_problem_after_WaitTimeout()
    {
        await using var site = await TestSite.StartAsync(await CreateStoreAsync(), o => o.WaitTimeout = TimeSpan.FromMilliseconds(300));
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=a&value=1", Ct);
        using var hold = HoldFirstLoad(site);

        var stuck = browser.GetAsync("/set?key=a&value=2", Ct);
        await hold.Entered.WaitAsync(Ct);
        var busy = await browser.GetAsync("/set?key=a&value=3", Ct);
        hold.Release();

        await AssertProblemAsync(busy, HttpStatusCode.ServiceUnavailable, "busy");
        Assert.Equal("1", busy.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(HttpStatusCode.OK, (await stuck).StatusCode);
        Assert.Equal("2", await browser.GetStringAsync("/read?key=a", Ct));
    }

    [Fact]
    public async Task Beyond_MaxWaitingRequestsPerSession_a_request_is_answered_503_at_once()
    {
        await using var site = await TestSite.StartAsync(await CreateStoreAsync(), o =>
        {
            o.WaitTimeout = TimeSpan.FromMinutes(1);
            o.MaxWaitingRequestsPerSession = 0;
        });
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=a&value=1", Ct);
        using var hold = HoldFirstLoad(site);

        var stuck = browser.GetAsync("/set?key=a&value=2", Ct);
        await hold.Entered.WaitAsync(Ct);

        // With the one-minute wait, only the waiter limit can answer this before the writer is released.
        var refused = await browser.GetAsync("/set?key=a&value=3", Ct);
        hold.Release();

        await AssertProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "busy");
        Assert.Equal(HttpStatusCode.OK, (await stuck).StatusCode);
    }

    [Fact]
    public async Task A_same_key_conflict_is_a_409_problem_without_the_endpoints_body()
    {
        const int requests = 2;
        await using var site = await TestSite.StartAsync(await CreateStoreAsync(), o =>
        {
            o.Concurrency = SessionConcurrency.Optimistic;
            o.ConflictPolicy = SessionConflictPolicy.Fail;
        });
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=a&value=0", Ct);
        LoadBarrier.On(site.Store, requests);
        var responses = await Task.WhenAll(Enumerable.Range(0, requests).Select(i => browser.GetAsync($"/set-sized?key=a&value={i + 1}", Ct)));
        site.Store.AfterGetAndTouch = null;

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        var conflict = Assert.Single(responses, r => r.StatusCode != HttpStatusCode.OK);
        await AssertProblemAsync(conflict, HttpStatusCode.Conflict, "changed by another request");
    }

    [Fact]
    public async Task A_value_changed_while_the_session_is_destroyed_is_a_409_that_says_the_session_ended()
    {
        await using var site = await TestSite.StartAsync(await CreateStoreAsync());
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=a&value=1", Ct);

        // "Sign out everywhere" lands between this request's load and its commit.
        site.Store.AfterGetAndTouch = async () => await site.Store.Inner.DestroyManyAsync(SessionQuery.All, Ct);
        var ended = await browser.GetAsync("/set?key=a&value=2", Ct);
        site.Store.AfterGetAndTouch = null;

        await AssertProblemAsync(ended, HttpStatusCode.Conflict, "signed out or expired");
        Assert.Equal(0, await site.Store.Inner.CountAsync(SessionQuery.All, Ct));
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task A_store_outage_is_a_503_problem_in_every_environment(string environment)
    {
        await using var site = await TestSite.StartAsync(
            await CreateStoreAsync(),
            beforeSession: app =>
            {
                if (app.Environment.IsDevelopment())
                {
                    app.UseDeveloperExceptionPage();
                }
                else
                {
                    app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = c => { c.Response.StatusCode = 500; return Task.CompletedTask; } });
                }
            },
            environment: environment);
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=a&value=1", Ct);

        site.Store.BeforeLoad = () => throw new SessionStoreException("store down (test)", null, isTransient: true);
        var load = await browser.GetAsync("/read?key=a", Ct);
        site.Store.BeforeLoad = null;
        site.Store.BeforeSet = () => throw new SessionStoreException("store down (test)", null, isTransient: true);
        var commit = await browser.GetAsync("/set?key=a&value=2", Ct);
        site.Store.BeforeSet = null;

        await AssertProblemAsync(load, HttpStatusCode.ServiceUnavailable, "unavailable");
        await AssertProblemAsync(commit, HttpStatusCode.ServiceUnavailable, "unavailable");
        Assert.Equal("1", await browser.GetStringAsync("/read?key=a", Ct));
    }

    [Fact]
    public async Task The_application_problem_details_service_writes_the_problem_when_registered()
    {
        await using var site = await TestSite.StartAsync(
            await CreateStoreAsync(),
            services: s => s.AddProblemDetails(o => o.CustomizeProblemDetails = c => c.ProblemDetails.Extensions["app"] = "demo"));
        using var browser = site.NewClient();
        await browser.GetStringAsync("/set?key=a&value=1", Ct);

        site.Store.BeforeSet = () => throw new SessionStoreException("store down (test)", null, isTransient: true);
        var response = await browser.GetAsync("/set?key=a&value=2", Ct);
        site.Store.BeforeSet = null;

        var body = await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, "unavailable");
        Assert.Contains("\"app\":\"demo\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exclusive_serializes_the_requests_of_one_session_across_two_app_instances()
    {
        const int requests = 24;
        var store = await CreateStoreAsync();
        var sharedCookies = TestSite.SharedKeyRing("exclusive-test");
        Action<StoreBackedSessionOptions> exclusive = o =>
        {
            Patient(o);
            o.Concurrency = SessionConcurrency.Exclusive;
        };
        await using var first = await TestSite.StartAsync(store, exclusive, sharedCookies);
        await using var second = await TestSite.StartAsync(store, exclusive, sharedCookies);
        var cookies = new CookieContainer();
        using var viaFirst = first.NewClient(cookies);
        using var viaSecond = second.NewClient(cookies);
        await viaFirst.GetStringAsync("/incr?key=n", Ct);
        cookies.Add(second.Address, cookies.GetCookies(first.Address));

        // The same key through two instances, each with its own in-process gate: only the store's lease orders them.
        var responses = await Task.WhenAll(Enumerable.Range(0, requests).Select(i => (i % 2 == 0 ? viaFirst : viaSecond).GetAsync("/incr?key=n", Ct)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal((1 + requests).ToString(System.Globalization.CultureInfo.InvariantCulture), await viaSecond.GetStringAsync("/count?key=n", Ct));
    }

    private static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string titleContains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains(titleContains, body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"set\"", "\"" + body + "\"", StringComparison.Ordinal);
        Assert.StartsWith("{", body, StringComparison.Ordinal);
        return body;
    }

    /// <summary>Holds the first session load (after the store answered) until released: a writer that keeps its turn.</summary>
    private static Hold HoldFirstLoad(TestSite site)
    {
        var hold = new Hold();
        var first = 0;
        site.Store.AfterGetAndTouch = () => Interlocked.Exchange(ref first, 1) == 0 ? hold.WaitAsync() : Task.CompletedTask;
        return hold;
    }

    private sealed class Hold : IDisposable
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public async Task WaitAsync()
        {
            _entered.TrySetResult();
            await _released.Task;
        }

        public void Release() => _released.TrySetResult();

        public void Dispose() => Release();
    }
}
