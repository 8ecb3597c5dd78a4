using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionStores.File;
using Xunit;

namespace SessionStores.Admin.Tests;

/// <summary>The tool against the file store, plus what only a local backend can show: usage errors, the environment variable, a real process.</summary>
public sealed class FileAdminToolTests : AdminToolTests
{
    private string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sessionstores-admin-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        Own(new TemporaryDirectory(directory));
        return directory;
    }

    private FileSessionStore Store(string directory, TimeProvider? time = null) =>
        Own(new FileSessionStore(new FileSessionStoreOptions { Directory = directory, FlushToDisk = false, OperationTimeout = OperationTimeout }, time));

    protected override Task<(ISessionStore Store, string[] StoreArgs)> CreateAsync()
    {
        var directory = NewDirectory();
        return Task.FromResult<(ISessionStore, string[])>((Store(directory), ["--store", "file", "--directory", directory, "--timeout", TimeoutSeconds]));
    }

    [Fact]
    public async Task Prune_deletes_the_expired_files_and_keeps_the_live_ones()
    {
        var directory = NewDirectory();
        // Written an hour ago with a minute to live: expired by the real clock the tool reads.
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        var old = Store(directory, past);
        for (var i = 0; i < 700; i++)
        {
            await old.SetAsync($"old-{i}", new SessionWrite(Encoding.UTF8.GetBytes("x"), TimeSpan.FromMinutes(1)), TestContext.Current.CancellationToken);
        }

        var live = Store(directory);
        await Seeded.FillAsync(live, 300, "live");

        var pruned = (await AdminRun.InProcessAsync(["prune", "--json", "--store", "file", "--connection", directory, "--timeout", TimeoutSeconds])).Json();

        Assert.True(pruned.GetProperty("ran").GetBoolean());
        Assert.Equal(700, pruned.GetProperty("deleted").GetInt64());
        Assert.True(pruned.GetProperty("inspected").GetInt64() >= 1000);
        Assert.Equal(300, Directory.GetFiles(Path.Combine(directory, "sessions"), "*", SearchOption.AllDirectories).Length);
        Assert.Equal(300, await live.CountAsync(SessionQuery.All, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_directory_may_come_from_the_environment_variable()
    {
        var (store, _) = await CreateAsync();
        var directory = ((FileSessionStore)store).RootDirectory;
        await Seeded.FillAsync(store, 12, "env");

        var result = await AdminRun.InProcessAsync(
            ["count", "--store", "file", "--timeout", TimeoutSeconds], environment: new Dictionary<string, string> { [Program.ConnectionVariable] = directory });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("12", result.Output.Trim());
    }

    [Theory]
    [InlineData("count", "Option '--store' is required.")]
    [InlineData("count --store memcached --directory /tmp", "memcached")]
    [InlineData("count --store file", "needs --directory")]
    [InlineData("count --store file --directory /nonexistent/sessionstores-admin", "does not exist")]
    [InlineData("count --store file --directory /tmp --table sessions", "--table does not apply to the file store")]
    [InlineData("destroy abc --all --store file --directory /tmp", "exactly one of")]
    [InlineData("destroy --store file --directory /tmp", "exactly one of")]
    [InlineData("list --limit 0 --store file --directory /tmp", "--limit must be 1 or more")]
    [InlineData("count --timeout -1 --store file --directory /tmp", "--timeout must be more than 0")]
    [InlineData("count --store redis", "needs --connection (or the SESSIONSTORES_CONNECTION environment variable)")]
    [InlineData("frobnicate --store file --directory /tmp", "frobnicate")]
    public async Task Bad_usage_exits_with_2_and_says_what_is_wrong(string commandLine, string message)
    {
        var result = await AdminRun.InProcessAsync(commandLine.Split(' '));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task A_cancelled_run_exits_with_130_and_destroys_nothing()
    {
        var (store, storeArgs) = await CreateAsync();
        await Seeded.FillAsync(store, 20, "cancel");
        using var cancelled = new System.Threading.CancellationTokenSource();
        await cancelled.CancelAsync();
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await Program.RunAsync(Args(storeArgs, "destroy", "--all", "--yes"), output, error, AdminTerminal.None, _ => null, cancelled.Token);

        Assert.Equal(130, exitCode);
        Assert.Equal(20, await store.CountAsync(SessionQuery.All, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task As_a_real_process_it_prints_json_and_refuses_to_destroy_without_a_terminal()
    {
        var (store, storeArgs) = await CreateAsync();
        await Seeded.FillAsync(store, 250, "proc");

        var count = await AdminRun.ProcessAsync(Args(storeArgs, "count", "--json"));
        var refused = await AdminRun.ProcessAsync(Args(storeArgs, "destroy", "--all"));
        var help = await AdminRun.ProcessAsync("--help");

        Assert.Equal(250, count.Json().GetProperty("count").GetInt64());
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("refused", refused.Error, StringComparison.Ordinal);
        Assert.Equal(250, await store.CountAsync(SessionQuery.All, TestContext.Current.CancellationToken));
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("sessionstores", help.Output, StringComparison.Ordinal);
        Assert.Contains("destroy", help.Output, StringComparison.Ordinal);
    }
}

/// <summary>Deletes a test's store directory; owned before its stores, so disposed after them.</summary>
internal sealed class TemporaryDirectory(string path) : IAsyncDisposable
{
    public ValueTask DisposeAsync()
    {
        Directory.Delete(path, recursive: true);
        return ValueTask.CompletedTask;
    }
}
