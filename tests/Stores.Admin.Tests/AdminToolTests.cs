using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Admin.Tests;

/// <summary>
/// The scenarios every backend must pass end to end: the tool against a real store filled with thousands of sessions.
/// Each backend is a sealed subclass that provides a fresh namespace and the options that select it.
/// </summary>
public abstract class AdminToolTests : ToolTestResources
{
    /// <summary>Enough to page through every store several times, small enough to stay quick.</summary>
    protected const int Thousands = 2500;

    /// <summary>A store over a fresh namespace, and the tool's options that select that namespace.</summary>
    protected abstract Task<(ISessionStore Store, string[] StoreArgs)> CreateAsync();

    protected static string[] Args(string[] storeArgs, params string[] command) => [.. command, .. storeArgs];

    [Fact]
    public async Task Thousands_of_sessions_are_counted_listed_and_summarised()
    {
        var (store, storeArgs) = await CreateAsync();
        var seeded = await Seeded.FillAsync(store, Thousands, "t");

        var count = (await AdminRun.InProcessAsync(Args(storeArgs, "count", "--json"))).Json();
        Assert.Equal(Thousands, count.GetProperty("count").GetInt64());

        var list = (await AdminRun.InProcessAsync(Args(storeArgs, "list", "--json"))).Json();
        var listed = list.GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(Thousands, list.GetProperty("count").GetInt64());
        Assert.False(list.GetProperty("truncated").GetBoolean());
        Assert.Equal(seeded.Sessions.Select(s => s.Id).Order(), listed.Select(s => s.GetProperty("id").GetString()).Order());
        Assert.All(listed, s => Assert.False(s.TryGetProperty("data", out _), "data is listed only with --data"));
        var one = seeded.Sessions[42];
        var row = listed.Single(s => s.GetProperty("id").GetString() == one.Id);
        Assert.Equal(one.Data.Length, row.GetProperty("size").GetInt64());
        Assert.Equal(one.Subject, row.GetProperty("subject").GetString());

        var stats = (await AdminRun.InProcessAsync(Args(storeArgs, "stats", "--json", "--top", "3"))).Json();
        Assert.Equal(Thousands, stats.GetProperty("count").GetInt64());
        Assert.Equal(seeded.TotalBytes, stats.GetProperty("totalBytes").GetInt64());
        Assert.Equal(seeded.OfSubject(null).Count(), stats.GetProperty("withoutSubject").GetInt64());
        var top = stats.GetProperty("topSubjects").EnumerateArray().ToList();
        Assert.Equal(3, top.Count);
        Assert.Equal("user-0", top[0].GetProperty("subject").GetString());
        Assert.Equal(seeded.OfSubject("user-0").Count(), top[0].GetProperty("sessions").GetInt64());
        Assert.Equal(seeded.OfSubject("user-0").Sum(s => s.Data.Length), top[0].GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task List_with_data_and_limit_returns_the_stored_bytes_as_base64()
    {
        var (store, storeArgs) = await CreateAsync();
        var seeded = await Seeded.FillAsync(store, 40, "d");

        var list = (await AdminRun.InProcessAsync(Args(storeArgs, "list", "--json", "--data", "--limit", "5", "--subject", "user-0"))).Json();

        var sessions = list.GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(5, sessions.Count);
        Assert.True(list.GetProperty("truncated").GetBoolean());
        Assert.All(sessions, s =>
        {
            var expected = seeded.Sessions.Single(x => x.Id == s.GetProperty("id").GetString());
            Assert.Equal("user-0", expected.Subject);
            Assert.Equal(expected.Data, s.GetProperty("data").GetBytesFromBase64());
        });
    }

    [Fact]
    public async Task Destroy_by_subject_is_refused_unconfirmed_and_then_removes_only_that_subject()
    {
        var (store, storeArgs) = await CreateAsync();
        var seeded = await Seeded.FillAsync(store, Thousands, "s");
        var victims = seeded.OfSubject("user-0").Count();

        var unattended = await AdminRun.InProcessAsync(Args(storeArgs, "destroy", "--subject", "user-0"));
        Assert.Equal(4, unattended.ExitCode);
        Assert.Contains("--yes", unattended.Error, StringComparison.Ordinal);
        var declined = await AdminRun.InProcessAsync(Args(storeArgs, "destroy", "--subject", "user-0"), answer: "n");
        Assert.Equal(4, declined.ExitCode);
        Assert.Contains($"{victims.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} sessions of the given subject", declined.Error, StringComparison.Ordinal);
        Assert.Equal(Thousands, await store.CountAsync(SessionQuery.All, TestContext.Current.CancellationToken));

        var confirmed = await AdminRun.InProcessAsync(Args(storeArgs, "destroy", "--subject", "user-0", "--json"), answer: "y");

        Assert.Equal(victims, confirmed.Json().GetProperty("destroyed").GetInt64());
        Assert.Equal(0, await store.CountAsync(SessionQuery.ForSubject("user-0"), TestContext.Current.CancellationToken));
        Assert.Equal(Thousands - victims, await store.CountAsync(SessionQuery.All, TestContext.Current.CancellationToken));
        var again = await AdminRun.InProcessAsync(Args(storeArgs, "count", "--subject", "user-1"));
        Assert.Equal(seeded.OfSubject("user-1").Count().ToString(System.Globalization.CultureInfo.InvariantCulture), again.Output.Trim());
    }

    [Fact]
    public async Task Show_and_destroy_by_id_find_the_session_once_and_then_exit_with_1()
    {
        var (store, storeArgs) = await CreateAsync();
        var seeded = await Seeded.FillAsync(store, 3, "i");
        var target = seeded.Sessions[1];

        var shown = (await AdminRun.InProcessAsync(Args(storeArgs, "show", target.Id, "--json", "--data"))).Json();
        Assert.Equal(target.Id, shown.GetProperty("id").GetString());
        Assert.Equal(target.Data, shown.GetProperty("data").GetBytesFromBase64());
        var withoutData = (await AdminRun.InProcessAsync(Args(storeArgs, "show", target.Id, "--json"))).Json();
        Assert.False(withoutData.TryGetProperty("data", out _), "data is shown only with --data");
        Assert.Equal(target.Subject, withoutData.GetProperty("subject").GetString());
        var human = await AdminRun.InProcessAsync(Args(storeArgs, "show", target.Id));
        Assert.DoesNotContain("data", human.Output, StringComparison.Ordinal);
        Assert.Equal(0, human.ExitCode);
        Assert.Contains(target.Data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes", human.Output, StringComparison.Ordinal);

        Assert.Equal(4, (await AdminRun.InProcessAsync(Args(storeArgs, "destroy", target.Id))).ExitCode);
        var destroyed = await AdminRun.InProcessAsync(Args(storeArgs, "destroy", target.Id, "--yes"));
        Assert.Equal(0, destroyed.ExitCode);
        Assert.Equal("Destroyed 1 session.", destroyed.Output.Trim());

        var missing = await AdminRun.InProcessAsync(Args(storeArgs, "show", target.Id));
        Assert.Equal(1, missing.ExitCode);
        Assert.DoesNotContain(target.Id, missing.Error, StringComparison.Ordinal);
        Assert.Equal(1, (await AdminRun.InProcessAsync(Args(storeArgs, "destroy", target.Id, "--yes"))).ExitCode);
        Assert.Equal(2, await store.CountAsync(SessionQuery.All, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Bad_ids_and_subjects_are_refused_with_the_stores_message_and_exit_code_2()
    {
        var (_, storeArgs) = await CreateAsync();

        var badId = await AdminRun.InProcessAsync(Args(storeArgs, "show", "no/slashes"));
        var badSubject = await AdminRun.InProcessAsync(Args(storeArgs, "destroy", "--subject", "tab\there", "--yes"));

        Assert.Equal(2, badId.ExitCode);
        Assert.Contains("A session id must be 1 to 256 characters from [A-Za-z0-9._~-]", badId.Error, StringComparison.Ordinal);
        Assert.Equal(2, badSubject.ExitCode);
        Assert.Contains("A subject must not contain control characters", badSubject.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_progress_display_on_a_terminal_stderr_leaves_stdout_one_json_document()
    {
        var (store, storeArgs) = await CreateAsync();
        await Seeded.FillAsync(store, 600, "p");

        var list = await AdminRun.InProcessAsync(Args(storeArgs, "list", "--json"), errorIsTerminal: true);
        var stats = await AdminRun.InProcessAsync(Args(storeArgs, "stats", "--json"), errorIsTerminal: true);

        Assert.Equal(600, list.Json().GetProperty("count").GetInt64());
        Assert.Equal(600, stats.Json().GetProperty("count").GetInt64());
        Assert.Contains("sessions", list.Error + stats.Error, StringComparison.Ordinal);
    }
}
