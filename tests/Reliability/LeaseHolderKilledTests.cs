using System;
using System.Threading.Tasks;
using SessionStores.Reliability.Harness;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Reliability;

/// <summary>
/// <c>Exclusive</c>: a process that holds a session's lease dies (SIGKILL, no release). The lease must not outlive its
/// duration: the next request of that session, through another process, proceeds within the lease time.
/// </summary>
public sealed class LeaseHolderKilledTests
{
    private const int LeaseSeconds = 3;

    [Theory]
    [MemberData(nameof(StoreLocation.Leasing), MemberType = typeof(StoreLocation))]
    public async Task A_request_after_the_lease_holder_was_killed_proceeds_within_the_lease_time(string backend)
    {
        // Given two exclusive app processes on one store, a session whose counter is 1, and a request on the first process
        // that holds that session (and its lease) for a minute
        using var location = await StoreLocation.ResolveAsync(backend);
        string[] options = ["--session-concurrency", "exclusive", "--lease-seconds", $"{LeaseSeconds}", "--wait-timeout-seconds", "20"];
        await using var holder = await location.StartAppAsync(options);
        await using var survivor = await location.StartAppAsync(options);
        using var http = new SessionHttp();
        var cookie = new SessionCookie();
        Assert.Equal(1, Load.Counter(await http.GetAsync(holder, "/reliability/increment", cookie, Load.Token)));
        var held = http.GetAsync(holder, "/reliability/hold?ms=60000", cookie, Load.Token);
        await Poll.UntilAsync(
            async () => (await http.GetAsync(holder, "/reliability/holding", null, Load.Token)).Body.Trim() == "1",
            () => $"The hold request never started on the first process: {(held.IsCompleted ? held.Result.ToString() : "pending")}\n{holder.RecentOutput}",
            timeoutMs: 10_000);

        // When the same session is used through the other process, which must wait while the holder lives, and the holder
        // is then killed
        var next = http.GetAsync(survivor, "/reliability/increment", cookie, Load.Token);
        await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(1), Load.Token));
        if (next.IsCompleted)
        {
            Assert.Fail($"The second process did not wait for the lease: {await next}");
        }

        await holder.KillAsync();
        var killedAt = http.Now;
        var answer = await next;
        var waited = answer.EndedAt - killedAt;
        Figures.Record(backend, "lease holder killed", new() { ["status"] = answer.Status, ["lease_s"] = LeaseSeconds, ["after_kill_ms"] = Math.Round(waited.TotalMilliseconds, 1) });

        // Then it is answered 200 within the lease time after the kill (plus a second for the request itself), and it found
        // the session as stored before the holder died (the holder's unfinished changes were never written)
        Assert.True(answer.Status == 200, $"{answer}\n{survivor.RecentOutput}");
        Assert.Equal(2, Load.Counter(answer));
        Assert.True(waited <= TimeSpan.FromSeconds(LeaseSeconds + 1), $"The next request ended {waited.TotalMilliseconds:F0} ms after the kill; the lease is {LeaseSeconds} s.");
        Assert.Equal(0, (await held).Status);
    }
}
