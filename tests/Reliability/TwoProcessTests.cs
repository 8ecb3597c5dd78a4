using System.Linq;
using System.Threading.Tasks;
using SessionStores.Reliability.Harness;
using Xunit;

namespace SessionStores.Reliability;

/// <summary>
/// Two app processes on one store, one browser whose parallel requests land on both: what a load balancer without sticky
/// sessions does. <c>Exclusive</c> serializes them across processes through a lease in the store; <c>Serialized</c> only
/// within each process, so a same-key change from the other process in between may be refused (409), never lost.
/// </summary>
public sealed class TwoProcessTests
{
    // Exclusive needs a store with leases (not memcached).
    public static TheoryData<string, string> Cases => new(StoreLocation.SharedBackends.SelectMany(b =>
        StoreLocation.LeaseBackends.Contains(b) ? new[] { (b, "exclusive"), (b, "serialized") } : [(b, "serialized")]));

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Increments_through_two_processes_are_exact(string backend, string mode)
    {
        // Given two app processes on one store, and one session whose counter is 1
        using var location = await StoreLocation.ResolveAsync(backend);
        // All 32 clients use one session, so each request may queue behind the 31 others (across both processes under
        // exclusive): the wait timeout is sized for that queue, not the 5 s default meant for one browser's tabs.
        string[] options = ["--session-concurrency", mode, "--wait-timeout-seconds", "30"];
        await using var first = await location.StartAppAsync(options);
        await using var second = await location.StartAppAsync(options);
        DemoProcess[] apps = [first, second];
        using var http = new SessionHttp();
        var cookie = new SessionCookie();
        var initial = Load.Counter(await http.GetAsync(first, "/reliability/increment", cookie, Load.Token));

        // When 32 clients (half on each process) send their increments on that cookie
        const int Clients = 32;
        var each = Figures.Scale(normal: 10, report: 100);
        var replies = await Load.RunAsync(Clients, each, (c, _) => http.GetAsync(apps[c % 2], "/reliability/increment", cookie, Load.Token));
        var final = Load.Counter(await http.GetAsync(second, "/reliability/count", cookie, Load.Token));
        var acknowledged = replies.Where(r => r.Status == 200).ToList();
        var refused = replies.Count(r => r.Status == 409);
        var figures = Figures.Summary(replies);
        figures["increments"] = $"{Clients} x {each}";
        figures["acknowledged"] = acknowledged.Count;
        figures["conflict_rate_409"] = System.Math.Round((double)refused / replies.Count, 4);
        figures["final"] = final;
        figures["expected_final"] = initial + acknowledged.Count;
        Figures.Record(backend, $"two processes, {mode}", figures);

        // Then every acknowledged increment is stored exactly once: each 200 stored a value nobody else stored, and the
        // final count is the initial one plus the 200s
        var output = "\nfirst:\n" + first.RecentOutput + "\nsecond:\n" + second.RecentOutput;
        if (mode == "exclusive")
        {
            Assert.True(replies.All(r => r.Status == 200), Load.Failures(replies) + output);
        }
        else
        {
            // A 409 is a refused increment, and must say so as problem details; nothing else may fail.
            Assert.True(replies.All(r => r.Status is 200 or 409), Load.Failures(replies) + output);
            var notProblems = replies.Where(r => r.Status == 409 && r.ContentType != "application/problem+json").ToList();
            Assert.True(notProblems.Count == 0, $"{notProblems.Count} of {refused} 409 answers are not problem details, e.g. {notProblems.FirstOrDefault()?.ContentType}: {notProblems.FirstOrDefault()}");
        }

        Assert.Equal(acknowledged.Count, acknowledged.Select(Load.Counter).Distinct().Count());
        Assert.Equal(initial + acknowledged.Count, final);
    }
}
