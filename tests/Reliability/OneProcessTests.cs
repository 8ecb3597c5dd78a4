using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using SessionStores.Reliability.Harness;
using Xunit;

namespace SessionStores.Reliability;

/// <summary>
/// One app process, one browser (one cookie), many parallel requests: what a page with many parallel fetches does. Under
/// the default <c>Serialized</c> mode nothing may be lost and nothing may be refused.
/// </summary>
public sealed class OneProcessTests
{
    [Theory]
    [MemberData(nameof(StoreLocation.All), MemberType = typeof(StoreLocation))]
    public async Task Parallel_writes_of_distinct_keys_on_one_cookie_are_all_kept_and_all_answered_200(string backend)
    {
        // Given one session, already created
        using var location = await StoreLocation.ResolveAsync(backend);
        await using var app = await location.StartAppAsync();
        using var http = new SessionHttp();
        var cookie = new SessionCookie();
        Assert.Equal(200, (await http.GetAsync(app, "/set-session?key=start&value=0", cookie, Load.Token)).Status);

        // When 64 requests set 64 different keys at once
        const int Writes = 64;
        var replies = await Task.WhenAll(Enumerable.Range(0, Writes).Select(i =>
            Task.Run(() => http.GetAsync(app, $"/set-session?key=k{i}&value={i}", cookie, Load.Token))));
        var values = await http.GetAsync(app, "/reliability/values", cookie, Load.Token);
        var kept = values.Status == 200 ? JsonSerializer.Deserialize<Dictionary<string, string?>>(values.Body)! : [];
        var keptKeys = Enumerable.Range(0, Writes).Count(i => kept.GetValueOrDefault($"k{i}") == i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var figures = Figures.Summary(replies);
        figures["keys_kept"] = $"{keptKeys}/{Writes}";
        Figures.Record(backend, "64 parallel distinct-key writes, one process", figures);

        // Then every one answered 200 and every key is there
        Assert.True(replies.All(r => r.Status == 200), Load.Failures(replies) + "\n" + app.RecentOutput);
        Assert.True(values.Status == 200, $"Reading the session back: {values}");
        Assert.Equal(Writes, keptKeys);
    }

    [Theory]
    [MemberData(nameof(StoreLocation.All), MemberType = typeof(StoreLocation))]
    public async Task Increments_from_32_parallel_clients_on_one_cookie_are_exact_and_all_answered_200(string backend)
    {
        // Given one session whose counter is 1
        using var location = await StoreLocation.ResolveAsync(backend);
        await using var app = await location.StartAppAsync("--session-concurrency", "serialized");
        using var http = new SessionHttp();
        var cookie = new SessionCookie();
        var initial = Load.Counter(await http.GetAsync(app, "/reliability/increment", cookie, Load.Token));

        // When 32 clients send 100 increments each (fewer in the short run), all on that cookie
        const int Clients = 32;
        var each = Figures.Scale(normal: 40, report: 100);
        var replies = await Load.RunAsync(Clients, each, (_, _) => http.GetAsync(app, "/reliability/increment", cookie, Load.Token));
        var final = Load.Counter(await http.GetAsync(app, "/reliability/count", cookie, Load.Token));
        var figures = Figures.Summary(replies);
        figures["increments"] = $"{Clients} x {each}";
        figures["expected_final"] = initial + (Clients * each);
        figures["final"] = final;
        Figures.Record(backend, "32 clients x increments, one process, serialized", figures);

        // Then every one answered 200, each saw the value before it (the values stored are exactly initial+1 ... initial+N),
        // and the stored count is exact
        Assert.True(replies.All(r => r.Status == 200), Load.Failures(replies) + "\n" + app.RecentOutput);
        Assert.Equal(Enumerable.Range(initial + 1, Clients * each), replies.Select(Load.Counter).Order());
        Assert.Equal(initial + (Clients * each), final);
    }
}
