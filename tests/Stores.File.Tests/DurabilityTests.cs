using System;
using System.IO;
using System.Threading.Tasks;
using SessionStores.File.Internal;
using Xunit;

namespace SessionStores.File.Tests;

/// <summary>
/// <see cref="FileSessionStoreOptions.FlushToDisk"/> flushes the sessions directory after renames and deletes. These tests
/// exercise that path and the libc calls behind it; they do not cut power, so they cannot show crash consistency.
/// </summary>
public sealed class DurabilityTests : IDisposable
{
    private const int ENoEnt = 2;
    private const int ENotDir = 20;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sessionstores-file-durability", Guid.NewGuid().ToString("N")[..12]);

    private static System.Threading.CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Every_write_and_delete_works_with_and_without_flushing(bool flushToDisk)
    {
        await using var store = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory, FlushToDisk = flushToDisk });
        var ttl = TimeSpan.FromMinutes(5);

        Assert.Equal(1, (await store.SetAsync("a", new SessionWrite(new byte[] { 1 }, ttl, "alice"), Token)).Version);
        Assert.Equal(2, (await store.SetAsync("a", new SessionWrite(new byte[] { 2 }, ttl, "alice", expectedVersion: 1), Token)).Version);
        Assert.Equal(3, (await store.SetAsync("a", new SessionWrite(new byte[] { 3 }, ttl, "bob"), Token)).Version);
        Assert.Equal(1, (await store.SetAsync("b", new SessionWrite(new byte[] { 4 }, ttl, "bob"), Token)).Version);
        Assert.Equal(1, (await store.SetAsync("c", new SessionWrite(new byte[] { 5 }, ttl), Token)).Version);
        Assert.True(await store.TouchAsync("a", TimeSpan.FromMinutes(10), Token));
        Assert.NotNull(await store.GetAndTouchAsync("b", TimeSpan.FromMinutes(10), Token));
        Assert.True(await store.DestroyAsync("c", Token));
        Assert.False(await store.DestroyAsync("c", Token));

        Assert.Equal(2, await store.DestroyManyAsync(SessionQuery.ForSubject("bob"), Token));
        Assert.Equal(0, await store.CountAsync(SessionQuery.All, Token));

        Assert.Equal(1, (await store.SetAsync("d", new SessionWrite(new byte[] { 6 }, ttl), Token)).Version);
        Assert.Equal(1, await store.DestroyManyAsync(SessionQuery.All, Token));
        Assert.Empty(Directory.GetFiles(Path.Combine(_directory, "sessions")));
    }

    [Fact]
    public void Directories_are_flushed_on_Linux_macOS_and_FreeBSD_and_not_on_Windows()
    {
        var unix = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

        Assert.Equal(unix, DirectorySync.IsSupported);
    }

    [Fact]
    public void Flushing_a_directory_succeeds()
    {
        SkipUnlessSupported();
        Directory.CreateDirectory(_directory);

        DirectorySync.Flush(_directory);
    }

    [Fact]
    public void Flushing_a_missing_directory_is_an_IOException_with_the_errno()
    {
        SkipUnlessSupported();

        var ex = Assert.Throws<IOException>(() => DirectorySync.Flush(Path.Combine(_directory, "missing")));

        Assert.Equal(ENoEnt, ex.HResult);
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flushing_a_regular_file_is_refused_so_the_O_DIRECTORY_flag_is_right_for_this_platform()
    {
        SkipUnlessSupported();
        Directory.CreateDirectory(_directory);
        var file = Path.Combine(_directory, "plain.txt");
        System.IO.File.WriteAllText(file, "not a directory");

        var ex = Assert.Throws<IOException>(() => DirectorySync.Flush(file));

        Assert.Equal(ENotDir, ex.HResult);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static void SkipUnlessSupported()
    {
        if (!DirectorySync.IsSupported)
        {
            Assert.Skip("This platform does not flush directories (Windows; documented on FileSessionStoreOptions.FlushToDisk).");
        }
    }
}
