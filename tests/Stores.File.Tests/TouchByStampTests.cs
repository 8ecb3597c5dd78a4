using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionStores.File.Internal;
using Xunit;

namespace SessionStores.File.Tests;

/// <summary>
/// A sliding-expiry touch moves only the file's modification time; every reader (this store instance, another one on
/// the same directory) takes the later of that stamp and the expiry written in the file. On a fake clock.
/// </summary>
public sealed class TouchByStampTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sessionstores-file-stamp", Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string PathOf(string id) => Path.Combine(_directory, "sessions", SessionFileNames.ForId(id));

    [Fact]
    public async Task A_touch_rewrites_nothing_and_another_store_on_the_directory_sees_the_new_expiry()
    {
        // Given two store instances on one directory, and a session written by the first
        await using var writer = CreateStore();
        await using var reader = CreateStore();
        var start = _clock.GetUtcNow();
        await writer.SetAsync("s", new SessionWrite(new byte[] { 7 }, TimeSpan.FromSeconds(10)), Token);
        var written = await System.IO.File.ReadAllBytesAsync(PathOf("s"), Token);

        // When the first slides its expiry after 9 s
        _clock.Advance(TimeSpan.FromSeconds(9));
        var touched = await writer.GetAndTouchAsync("s", TimeSpan.FromSeconds(10), Token);

        // Then the file's bytes are unchanged, and the second store sees the session live past its written expiry
        Assert.Equal(start.AddSeconds(19), touched!.ExpiresAt);
        Assert.Equal(written, await System.IO.File.ReadAllBytesAsync(PathOf("s"), Token));
        _clock.Advance(TimeSpan.FromSeconds(9));
        var seen = await reader.GetAsync("s", Token);
        Assert.Equal(start.AddSeconds(19), seen!.ExpiresAt);
        Assert.Equal(1, seen.Version);
        Assert.Equal(1, await reader.CountAsync(SessionQuery.All, Token));
        Assert.Equal(start.AddSeconds(19), Assert.Single(await ListAsync(reader)).ExpiresAt);

        // And once the slid expiry passes, the session is absent for both, and no touch brings it back
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await reader.GetAsync("s", Token));
        Assert.False(await reader.TouchAsync("s", TimeSpan.FromMinutes(5), Token));
        Assert.Null(await writer.GetAndTouchAsync("s", TimeSpan.FromMinutes(5), Token));
        Assert.Equal(0, await writer.CountAsync(SessionQuery.All, Token));
    }

    [Fact]
    public async Task A_write_after_touches_sees_the_session_live_and_keeps_its_version_sequence()
    {
        await using var first = CreateStore();
        await using var second = CreateStore();
        await first.SetAsync("s", new SessionWrite(new byte[] { 1 }, TimeSpan.FromSeconds(10)), Token);
        _clock.Advance(TimeSpan.FromSeconds(9));
        Assert.True(await first.TouchAsync("s", TimeSpan.FromSeconds(10), Token));
        _clock.Advance(TimeSpan.FromSeconds(9));

        // Past the written expiry, live by the stamp: a compare-and-set from the other instance finds version 1.
        var result = await second.SetAsync("s", new SessionWrite(new byte[] { 2 }, TimeSpan.FromSeconds(10), expectedVersion: 1), Token);

        Assert.True(result.Succeeded);
        Assert.Equal(2, result.Version);
        Assert.Equal(_clock.GetUtcNow().AddSeconds(10), (await first.GetAsync("s", Token))!.ExpiresAt);
    }

    [Fact]
    public async Task A_touch_to_an_earlier_expiry_than_the_written_one_shortens_the_session()
    {
        await using var store = CreateStore();
        await store.SetAsync("s", new SessionWrite(new byte[] { 1 }, TimeSpan.FromHours(1)), Token);

        var touched = await store.GetAndTouchAsync("s", TimeSpan.FromMinutes(1), Token);

        Assert.Equal(_clock.GetUtcNow().AddMinutes(1), touched!.ExpiresAt);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await store.GetAsync("s", Token));
        Assert.Equal(0, await store.CountAsync(SessionQuery.All, Token));
    }

    [Fact]
    public async Task A_stamp_moved_back_by_someone_else_falls_back_to_the_written_expiry()
    {
        // Given a session written for 1 hour and slid to 2 hours by a touch
        await using var store = CreateStore();
        var start = _clock.GetUtcNow();
        await store.SetAsync("s", new SessionWrite(new byte[] { 1 }, TimeSpan.FromHours(1)), Token);
        await store.TouchAsync("s", TimeSpan.FromHours(2), Token);

        // When a copy that did not keep times (or `touch`) sets the stamp to now
        System.IO.File.SetLastWriteTimeUtc(PathOf("s"), start.UtcDateTime);

        // Then the slide is lost, as if to a power cut, but the session lives to its written expiry
        Assert.Equal(start.AddHours(1), (await store.GetAsync("s", Token))!.ExpiresAt);
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Null(await store.GetAsync("s", Token));
    }

    [Fact]
    public async Task A_later_stamp_set_by_someone_else_extends_the_session_as_a_touch_would()
    {
        await using var store = CreateStore();
        await store.SetAsync("s", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token);
        var later = _clock.GetUtcNow().AddHours(3);

        System.IO.File.SetLastWriteTimeUtc(PathOf("s"), later.UtcDateTime);

        Assert.Equal(later, (await store.GetAsync("s", Token))!.ExpiresAt);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_touch_of_a_session_file_deleted_by_hand_while_it_runs_reports_the_session_absent(bool withData)
    {
        // Given: a live session whose file someone deletes by hand after the touch read it, before it moves the stamp
        // (the touch asks the clock for now in between).
        var clock = new HookedClock(_clock.GetUtcNow());
        await using var store = CreateStore(clock);
        await store.SetAsync("s", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token);
        clock.BeforeNextNow = () => System.IO.File.Delete(PathOf("s"));

        // When / Then: absent, as for any touch of an absent session, not a transient failure; and nothing came back.
        if (withData)
        {
            Assert.Null(await store.GetAndTouchAsync("s", TimeSpan.FromMinutes(5), Token));
        }
        else
        {
            Assert.False(await store.TouchAsync("s", TimeSpan.FromMinutes(5), Token));
        }

        Assert.Null(clock.BeforeNextNow);
        Assert.False(System.IO.File.Exists(PathOf("s")));
        Assert.Null(await store.GetAsync("s", Token));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static async Task<System.Collections.Generic.List<SessionInfo>> ListAsync(FileSessionStore store)
    {
        var all = new System.Collections.Generic.List<SessionInfo>();
        await foreach (var info in store.ListAsync(SessionQuery.All, Token))
        {
            all.Add(info);
        }

        return all;
    }

    private FileSessionStore CreateStore(TimeProvider? clock = null) =>
        new(new FileSessionStoreOptions { Directory = _directory, PruneInterval = TimeSpan.FromDays(1) }, clock ?? _clock);

    /// <summary>A fake clock that runs an action, once, the next time it is asked for now.</summary>
    private sealed class HookedClock(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private Action? _beforeNextNow;

        public Action? BeforeNextNow
        {
            get => Volatile.Read(ref _beforeNextNow);
            set => Volatile.Write(ref _beforeNextNow, value);
        }

        public override DateTimeOffset GetUtcNow()
        {
            Interlocked.Exchange(ref _beforeNextNow, null)?.Invoke();
            return base.GetUtcNow();
        }
    }
}
