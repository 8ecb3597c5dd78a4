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

/// <summary>Read-your-writes: no response reaches the client before its session write is stored, and what a client
/// that hangs up does to the commit.</summary>
public abstract partial class StoreBackedSessionTests
{
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

    [Theory]
    [InlineData("/set-sized")]
    [InlineData("/set-writer")]
    public async Task No_response_reaches_the_client_before_its_session_write_is_stored(string route)
    {
        await using var site = await StartAsync();
        using var browser = site.NewClient();
        await browser.GetStringAsync($"{route}?key=a&value=0", Ct);

        // Hold the next write inside the store.
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        site.Store.BeforeSet = () =>
        {
            entered.TrySetResult();
            return release.Task;
        };
        var response = browser.GetStringAsync($"{route}?key=a&value=1", Ct);
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
    public async Task A_json_result_is_written_after_its_session_write()
    {
        await using var site = await StartAsync();
        using var browser = site.NewClient();

        Assert.Equal("""{"key":"a","value":"1"}""", await browser.GetStringAsync("/set-json?key=a&value=1", Ct));
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
}
