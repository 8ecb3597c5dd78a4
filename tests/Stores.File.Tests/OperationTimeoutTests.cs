using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using SessionStores.File.Internal;
using Xunit;

namespace SessionStores.File.Tests;

/// <summary>
/// Lock waits in the file store: an operation that waits for a session's lock (held by another process or holder) stops
/// at the deadline with a transient timeout, even when LockTimeout is longer, and at LockTimeout when that is shorter.
/// </summary>
public sealed class OperationTimeoutTests : IDisposable
{
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Bound = OperationTimeout + TimeSpan.FromSeconds(1);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sessionstores-file-timeout", Guid.NewGuid().ToString("N")[..12]);

    public static TheoryData<string> LockingOperations { get; } = ["set", "compare_and_set", "touch", "get_and_touch", "destroy", "destroy_many"];

    [Theory]
    [MemberData(nameof(LockingOperations))]
    public async Task An_operation_waiting_for_a_lock_held_elsewhere_times_out_at_the_deadline_and_works_once_it_is_released(string operation)
    {
        var token = TestContext.Current.CancellationToken;
        await using var store = new FileSessionStore(new FileSessionStoreOptions
        {
            Directory = _directory,
            OperationTimeout = OperationTimeout,
            LockTimeout = TimeSpan.FromMinutes(1),
        });
        const string id = "locked-session";
        var version = (await store.SetAsync(id, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(10), "alice"), token)).Version;

        // Another holder of the session's lock file: a separate open file description, as another process has.
        var holder = System.IO.File.OpenHandle(LockFileOf(id), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        try
        {
            var elapsed = Stopwatch.StartNew();

            // Two callers: one polls the lock file, the other queues behind it in this process; both stop at the deadline.
            var first = RunAsync(store, operation, id, version);
            var second = RunAsync(store, operation, id, version);
            foreach (var call in new[] { first, second })
            {
                var error = await Assert.ThrowsAsync<SessionStoreException>(() => call);
                Assert.True(error.IsTransient);
                Assert.Contains("did not answer within OperationTimeout (0.5 s)", error.Message, StringComparison.Ordinal);
            }

            Assert.True(elapsed.Elapsed <= Bound, $"{operation} waited {elapsed.Elapsed.TotalSeconds:0.00} s for the lock, more than {Bound.TotalSeconds} s");
        }
        finally
        {
            holder.Dispose();
        }

        Assert.True((await store.SetAsync(id, new SessionWrite(new byte[] { 2 }, TimeSpan.FromMinutes(10)), token)).Succeeded);
    }

    [Fact]
    public async Task A_lock_held_elsewhere_past_LockTimeout_fails_the_operation_transiently_naming_the_setting()
    {
        var token = TestContext.Current.CancellationToken;
        await using var store = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory, LockTimeout = TimeSpan.FromMilliseconds(300) });
        const string id = "locked-session";

        using (System.IO.File.OpenHandle(LockFileOf(id), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var error = await Assert.ThrowsAsync<SessionStoreException>(() => store.SetAsync(id, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), token));

            Assert.True(error.IsTransient);
            Assert.StartsWith("File session store: Set failed: Timed out after 0.3 s waiting for a session's lock file", error.Message, StringComparison.Ordinal);
            Assert.Contains("FileSessionStoreOptions.LockTimeout", error.Message, StringComparison.Ordinal);
            Assert.IsType<TimeoutException>(error.InnerException);
        }

        Assert.True((await store.SetAsync(id, new SessionWrite(new byte[] { 2 }, TimeSpan.FromMinutes(1)), token)).Succeeded);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private string LockFileOf(string id) =>
        Path.Combine(_directory, "locks", $"{SessionFileNames.LockStripe(SessionFileNames.ForId(id)):x2}.lock");

    private static async Task RunAsync(FileSessionStore store, string operation, string id, long version)
    {
        var token = TestContext.Current.CancellationToken;
        var write = new SessionWrite(new byte[] { 3 }, TimeSpan.FromMinutes(10), "alice", operation == "compare_and_set" ? version : null);
        switch (operation)
        {
            case "set" or "compare_and_set": await store.SetAsync(id, write, token); break;
            case "touch": await store.TouchAsync(id, TimeSpan.FromMinutes(10), token); break;
            case "get_and_touch": await store.GetAndTouchAsync(id, TimeSpan.FromMinutes(10), token); break;
            case "destroy": await store.DestroyAsync(id, token); break;
            default: await store.DestroyManyAsync(SessionQuery.ForSubject("alice"), token); break;
        }
    }
}
