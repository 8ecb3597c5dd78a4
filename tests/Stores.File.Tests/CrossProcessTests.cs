using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.File.Tests;

/// <summary>
/// Compare-and-set between two OS processes on one directory: this test process and
/// <c>SessionStores.File.CrossProcessWorker</c>, each incrementing its own counter inside one shared session.
/// </summary>
public sealed class CrossProcessTests(ITestOutputHelper output) : IDisposable
{
    private const int IncrementsEach = 200;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sessionstores-file-xproc", Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task Compare_and_set_increments_from_two_processes_end_exactly_right()
    {
        var token = TestContext.Current.CancellationToken;
        await using var store = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory });
        const string id = "shared-counter";
        await store.SetAsync(id, new SessionWrite(new byte[16], TimeSpan.FromMinutes(10)), token);
        using var worker = StartWorker("increment", _directory, id, IncrementsEach.ToString(System.Globalization.CultureInfo.InvariantCulture), "1");
        Assert.Equal("ready", await ReadLineAsync(worker, token));

        // Both start together: the worker on "go", this process right after sending it.
        await worker.StandardInput.WriteLineAsync("go".AsMemory(), token);
        await worker.StandardInput.FlushAsync(token);
        var conflicts = 0;
        for (var done = 0; done < IncrementsEach;)
        {
            var current = await store.GetAsync(id, token);
            var data = current!.Data.ToArray();
            BinaryPrimitives.WriteInt64LittleEndian(data, BinaryPrimitives.ReadInt64LittleEndian(data) + 1);
            var result = await store.SetAsync(id, new SessionWrite(data, TimeSpan.FromMinutes(10), expectedVersion: current.Version), token);
            if (result.Succeeded)
            {
                done++;
            }
            else
            {
                conflicts++;
            }

            await Task.Yield();
        }

        var report = await ReadLineAsync(worker, token);
        await worker.WaitForExitAsync(token);
        var workerConflicts = int.Parse(report!["done ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        output.WriteLine($"conflicts: this process {conflicts}, worker {workerConflicts}");

        Assert.Equal(0, worker.ExitCode);
        var final = await store.GetAsync(id, token);
        Assert.Equal(IncrementsEach, BinaryPrimitives.ReadInt64LittleEndian(final!.Data.Span));
        Assert.Equal(IncrementsEach, BinaryPrimitives.ReadInt64LittleEndian(final.Data.Span[8..]));
        Assert.Equal(1 + (2 * IncrementsEach), final.Version);

        // Without a single conflict the two processes never raced, and the test would prove nothing.
        Assert.True(conflicts + workerConflicts > 0, "the two processes never contended");
    }

    [Fact]
    public async Task A_store_refuses_to_start_when_file_locking_is_disabled()
    {
        using var worker = StartWorker(("DOTNET_SYSTEM_IO_DISABLEFILELOCKING", "1"), "probe", _directory);
        var message = await worker.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await worker.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(3, worker.ExitCode);
        Assert.Contains("DOTNET_SYSTEM_IO_DISABLEFILELOCKING", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_probe_accepts_a_file_system_with_working_locks()
    {
        using var worker = StartWorker("probe", _directory);
        var message = await worker.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await worker.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, worker.ExitCode);
        Assert.Equal("ok", message.Trim());
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static Process StartWorker(params string[] args) => StartWorker(null, args);

    private static Process StartWorker((string Name, string Value)? environment, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SessionStores.File.CrossProcessWorker.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (environment is { } variable)
        {
            start.Environment[variable.Name] = variable.Value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("the worker did not start");
    }

    private static async Task<string?> ReadLineAsync(Process worker, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        return await worker.StandardOutput.ReadLineAsync(timeout.Token);
    }
}
