using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.File.Tests;

/// <summary>Disposing the store releases what pruning holds and makes later operations fail clearly.</summary>
public sealed class DisposeTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sessionstores-file-dispose", Guid.NewGuid().ToString("N")[..12]);

    private static System.Threading.CancellationToken Token => TestContext.Current.CancellationToken;

    private string Sessions => Path.Combine(_directory, "sessions");

    [Fact]
    public async Task Dispose_closes_the_directory_listing_a_pruning_pass_left_open()
    {
        // Given a pruning pass that stopped mid-sweep, so its directory cursor is open
        var store = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory, PruneBatchSize = 1 });
        for (var i = 0; i < 3; i++)
        {
            await store.SetAsync($"s{i}", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(5)), Token);
        }

        Assert.False((await store.PruneAsync(Token)).SweepCompleted);
        if (OperatingSystem.IsLinux())
        {
            Assert.Contains(Sessions, OpenDirectoriesOfThisProcess());
        }

        // When the store is disposed
        store.Dispose();

        // Then the cursor's directory handle is closed (observable on Linux through /proc)
        if (OperatingSystem.IsLinux())
        {
            Assert.DoesNotContain(Sessions, OpenDirectoriesOfThisProcess());
        }
    }

    [Fact]
    public async Task Operations_after_dispose_throw_ObjectDisposedException_and_disposing_again_is_harmless()
    {
        var store = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory });
        await store.SetAsync("a", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(5)), Token);

        await store.DisposeAsync();

        var ttl = TimeSpan.FromMinutes(1);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetAsync("a", Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetAndTouchAsync("a", ttl, Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.TouchAsync("a", ttl, Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.SetAsync("a", new SessionWrite(new byte[] { 2 }, ttl), Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.DestroyAsync("a", Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.CountAsync(SessionQuery.All, Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.DestroyManyAsync(SessionQuery.All, Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.PruneAsync(Token));
        Assert.Throws<ObjectDisposedException>(() => store.ListAsync(SessionQuery.All, Token));

        store.Dispose();
        await store.DisposeAsync();

        // The data stays on disk for the next store over the directory.
        await using var next = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory });
        Assert.NotNull(await next.GetAsync("a", Token));
    }

    [Fact]
    public async Task A_write_in_progress_when_the_store_is_disposed_reports_what_it_did()
    {
        // Given a Set that has started and waits for its session's lock file, held here as another process would hold it
        var store = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory, LockTimeout = TimeSpan.FromSeconds(30) });
        var lockFile = Path.Combine(_directory, "locks", $"{Internal.SessionFileNames.LockStripe(Internal.SessionFileNames.ForId("busy")):x2}.lock");
        Task<SessionSetResult> write;
        using (System.IO.File.OpenHandle(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            write = store.SetAsync("busy", new SessionWrite(new byte[] { 7 }, TimeSpan.FromMinutes(5)), Token);
            Assert.False(write.IsCompleted);

            // When the store is disposed while the write waits, and the lock is then released
            store.Dispose();
        }

        // Then the write either succeeded and is stored, or failed and stored nothing; never "failed" after writing
        Exception? failure = null;
        try
        {
            await write;
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        await using var next = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory });
        var stored = await next.GetAsync("busy", Token);
        Assert.True(failure is null == stored is not null, $"write failed with {failure?.GetType().Name}, stored: {stored is not null}");
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static List<string> OpenDirectoriesOfThisProcess()
    {
        var targets = new List<string>();
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target)
                {
                    targets.Add(target);
                }
            }
            catch (IOException)
            {
                // Another test closed the descriptor between the listing and the read.
            }
        }

        return targets;
    }
}
