using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionStores.File.Internal;
using Xunit;

namespace SessionStores.File.Tests;

/// <summary>Counting from the expiry stamps (modification times) of the directory listing.</summary>
public sealed class CountTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sessionstores-file-count", Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static System.Threading.CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Count_is_exact_to_the_millisecond_around_an_expiry()
    {
        await using var store = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory }, _clock);
        await store.SetAsync("a", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMilliseconds(1500)), Token);
        await store.SetAsync("b", new SessionWrite(new byte[] { 1 }, TimeSpan.FromHours(1)), Token);

        _clock.Advance(TimeSpan.FromMilliseconds(1499));
        Assert.Equal(2, await store.CountAsync(SessionQuery.All, Token));

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, await store.CountAsync(SessionQuery.All, Token));
    }

    [Fact]
    public async Task A_touch_moves_the_stamp_so_the_count_follows_sliding_expiry()
    {
        await using var store = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory }, _clock);
        await store.SetAsync("a", new SessionWrite(new byte[] { 1 }, TimeSpan.FromSeconds(10)), Token);

        _clock.Advance(TimeSpan.FromSeconds(9));
        Assert.True(await store.TouchAsync("a", TimeSpan.FromSeconds(10), Token));
        _clock.Advance(TimeSpan.FromSeconds(9));

        Assert.Equal(1, await store.CountAsync(SessionQuery.All, Token));
    }

    [Theory]
    [InlineData(-2_001, true)]
    [InlineData(-1_999, null)]
    [InlineData(1_999, null)]
    [InlineData(2_000, false)]
    public void On_a_coarse_file_system_a_stamp_near_now_is_undecided(long nowMinusStampMs, bool? expected)
    {
        var stamp = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.Equal(expected, ExpiryStamps.IsLive(stamp, stamp.ToUnixTimeMilliseconds() + nowMinusStampMs, exact: false));
    }

    [Fact]
    public void This_file_system_keeps_millisecond_stamps()
    {
        // The CI file systems (ext4, tmpfs, overlayfs) do: if this fails, counts fall back to reading files near expiry.
        Directory.CreateDirectory(_directory);

        Assert.True(ExpiryStamps.ProbeExact(_directory, _clock.GetUtcNow().ToUnixTimeMilliseconds()));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
