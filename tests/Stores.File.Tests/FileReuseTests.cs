using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Win32.SafeHandles;
using SessionStores.File.Internal;
using Xunit;

namespace SessionStores.File.Tests;

/// <summary>Writes that reuse the files they replace (FileSessionStoreOptions.ReuseFiles, Linux only).</summary>
public sealed class FileReuseTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sessionstores-file-reuse", Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static System.Threading.CancellationToken Token => TestContext.Current.CancellationToken;

    private string Temp => Path.Combine(_directory, "tmp");

    [Fact]
    public async Task A_rewrite_puts_the_replaced_file_back_in_place_of_a_new_one()
    {
        SkipUnlessLinux();
        await using var store = CreateStore();
        await store.SetAsync("s1", Write(1), Token);
        var first = Inode(SessionPath("s1"));

        await store.SetAsync("s1", Write(2), Token);
        await store.SetAsync("s1", Write(3), Token);

        // The second write's file took the first's place, and the third write overwrote the first's file again.
        Assert.Equal(first, Inode(SessionPath("s1")));
        Assert.Equal(Data(3), (await store.GetAsync("s1", Token))!.Data.ToArray());
    }

    [Fact]
    public async Task Many_writes_keep_one_spare_per_concurrent_writer()
    {
        SkipUnlessLinux();
        await using var store = CreateStore();
        for (var i = 0; i < 200; i++)
        {
            await store.SetAsync($"s{i % 10}", Write((byte)i), Token);
        }

        // Sequential writes: one spare (holding a replaced version) and the instance's lock file, nothing else.
        var spare = Assert.Single(Spares());
        Assert.Equal(2, Directory.GetFiles(Temp).Length);
        Assert.True(new FileInfo(spare).Length > 0, "the spare holds the last replaced version until it is reused");
    }

    [Fact]
    public async Task A_spare_deleted_by_hand_does_not_fail_the_write_that_would_reuse_it()
    {
        SkipUnlessLinux();
        await using var store = CreateStore();
        await store.SetAsync("s1", Write(1), Token);
        await store.SetAsync("s1", Write(2), Token);
        System.IO.File.Delete(Assert.Single(Spares()));

        await store.SetAsync("s1", Write(3), Token);

        Assert.Equal(Data(3), (await store.GetAsync("s1", Token))!.Data.ToArray());
    }

    [Fact]
    public async Task A_new_session_reuses_a_spare_without_keeping_its_old_bytes()
    {
        SkipUnlessLinux();
        await using var store = CreateStore();
        var large = Enumerable.Repeat((byte)0xAA, 4000).ToArray();
        await store.SetAsync("big", new SessionWrite(large, TimeSpan.FromHours(1)), Token);
        await store.SetAsync("big", new SessionWrite(large, TimeSpan.FromHours(1)), Token);
        Assert.Single(Spares());

        // There is no file to exchange with: the spare is renamed into place, cut to the new length.
        await store.SetAsync("small", Write(7), Token);

        var bytes = await System.IO.File.ReadAllBytesAsync(SessionPath("small"), Token);
        Assert.DoesNotContain((byte)0xAA, bytes);
        Assert.Empty(Spares());
        Assert.Equal(Data(7), (await store.GetAsync("small", Token))!.Data.ToArray());
        Assert.Equal(large, (await store.GetAsync("big", Token))!.Data.ToArray());
    }

    [Fact]
    public async Task A_file_a_reader_still_has_open_is_never_overwritten()
    {
        SkipUnlessLinux();
        await using var store = CreateStore();
        await store.SetAsync("s1", Write(1), Token);
        var version1 = await System.IO.File.ReadAllBytesAsync(SessionPath("s1"), Token);

        // Opened as the store's readers open it (a shared lock), then replaced twice: the second write would reuse it.
        using (var reader = System.IO.File.OpenHandle(SessionPath("s1"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            await store.SetAsync("s1", Write(2), Token);
            await store.SetAsync("s1", Write(3), Token);

            Assert.Equal(version1, ReadAll(reader));
        }

        Assert.Equal(Data(3), (await store.GetAsync("s1", Token))!.Data.ToArray());
    }

    [Fact]
    public async Task Pruning_keeps_a_live_instances_spares_and_deletes_those_of_an_instance_that_is_gone()
    {
        SkipUnlessLinux();
        await using var writer = CreateStore();
        await using var pruner = CreateStore();
        await writer.SetAsync("s1", Write(1), Token);
        await writer.SetAsync("s1", Write(2), Token);
        var live = Assert.Single(Spares());

        // A crashed instance's leftovers: its lock file (no longer locked) and a spare; and one whose lock file is gone.
        var dead = Guid.NewGuid().ToString("N");
        var deadLock = Path.Combine(Temp, $"spare-{dead}.tmp");
        var deadSpare = Path.Combine(Temp, $"spare-{dead}-1.tmp");
        var orphanSpare = Path.Combine(Temp, $"spare-{Guid.NewGuid():N}-3.tmp");
        foreach (var path in new[] { deadLock, deadSpare, orphanSpare })
        {
            await System.IO.File.WriteAllBytesAsync(path, [1, 2, 3], Token);
        }

        _clock.Advance(TimeSpan.FromDays(1));
        var result = await pruner.PruneAsync(Token);

        Assert.Equal(3, result.TemporaryFilesDeleted);
        Assert.True(System.IO.File.Exists(live), "a live instance's spare is never pruned, however old");
        Assert.False(System.IO.File.Exists(deadSpare));
        Assert.False(System.IO.File.Exists(deadLock));
        Assert.False(System.IO.File.Exists(orphanSpare));
        await writer.SetAsync("s1", Write(3), Token);
        Assert.Equal(Data(3), (await pruner.GetAsync("s1", Token))!.Data.ToArray());
    }

    [Fact]
    public async Task Disposing_deletes_the_spares_and_the_instances_lock_file()
    {
        SkipUnlessLinux();
        var store = CreateStore();
        await store.SetAsync("s1", Write(1), Token);
        await store.SetAsync("s1", Write(2), Token);
        Assert.Equal(2, Directory.GetFiles(Temp).Length);

        await store.DisposeAsync();

        Assert.Empty(Directory.GetFiles(Temp));
        Assert.True(System.IO.File.Exists(SessionPath("s1")));
    }

    [Fact]
    public async Task Without_ReuseFiles_or_FlushToDisk_every_write_creates_a_new_file()
    {
        foreach (var options in new[] { new FileSessionStoreOptions { ReuseFiles = false }, new FileSessionStoreOptions { FlushToDisk = false } })
        {
            options.Directory = _directory;
            await using var store = new FileSessionStore(options, _clock);
            await store.SetAsync("s1", Write(1), Token);
            await store.SetAsync("s1", Write(2), Token);

            Assert.Empty(Directory.GetFiles(Temp));
            Assert.Equal(Data(2), (await store.GetAsync("s1", Token))!.Data.ToArray());
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static void SkipUnlessLinux()
    {
        if (!RenameExchange.IsSupported)
        {
            Assert.Skip("Files are reused only on 64-bit Linux (renameat2 with RENAME_EXCHANGE).");
        }
    }

    private static byte[] Data(byte value) => [value, value, value];

    private static SessionWrite Write(byte value) => new(Data(value), TimeSpan.FromHours(1));

    private static byte[] ReadAll(SafeFileHandle handle)
    {
        var buffer = new byte[RandomAccess.GetLength(handle)];
        Assert.Equal(buffer.Length, RandomAccess.Read(handle, buffer, 0));
        return buffer;
    }

    // The inode number, from coreutils' stat (.NET does not expose it).
    private static string Inode(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true })!;
        var inode = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        Assert.Equal(0, stat.ExitCode);
        return inode;
    }

    private FileSessionStore CreateStore() =>
        new(new FileSessionStoreOptions { Directory = _directory, PruneInterval = TimeSpan.FromDays(7) }, _clock);

    private string SessionPath(string id) => Path.Combine(_directory, "sessions", SessionFileNames.ForId(id));

    // Spares proper, not the instances' lock files (spare-{owner}.tmp).
    private string[] Spares() => Directory.GetFiles(Temp, "spare-*-*.tmp");
}
