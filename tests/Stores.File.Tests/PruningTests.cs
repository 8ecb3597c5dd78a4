using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionStores.File.Internal;
using Xunit;

namespace SessionStores.File.Tests;

/// <summary>Pruning (by the timer and PruneAsync) and crash leftovers, on a fake clock.</summary>
public sealed class PruningTests : IDisposable
{
    private const int CorruptFileKeptEvent = 1102;
    private const int PruneFailedEvent = 1101;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sessionstores-file-pruning", Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ListLogger<FileSessionStore> _logger = new();

    private static System.Threading.CancellationToken Token => TestContext.Current.CancellationToken;

    private string Sessions => Path.Combine(_directory, "sessions");

    [Fact]
    public async Task Pruning_deletes_expired_files_and_their_subject_markers_in_bounded_passes()
    {
        await using var store = CreateStore(batchSize: 10);
        for (var i = 0; i < 25; i++)
        {
            await store.SetAsync($"short-{i}", new SessionWrite(new byte[] { 1 }, TimeSpan.FromSeconds(1), "alice"), Token);
        }

        for (var i = 0; i < 5; i++)
        {
            await store.SetAsync($"long-{i}", new SessionWrite(new byte[] { 2 }, TimeSpan.FromHours(1), "bob"), Token);
        }

        _clock.Advance(TimeSpan.FromSeconds(2));

        var passes = 0;
        var deleted = 0;
        FilePruneResult result;
        do
        {
            result = await store.PruneAsync(Token);
            passes++;
            Assert.InRange(result.Inspected, 0, 10);
            deleted += result.SessionsDeleted;
        }
        while (!result.SweepCompleted);

        Assert.Equal(25, deleted);
        Assert.True(passes >= 3, $"30 files in batches of 10 need at least 3 passes, took {passes}");
        Assert.Equal(5, Directory.GetFiles(Sessions).Length);
        Assert.False(Directory.Exists(Path.Combine(_directory, "subjects", SessionFileNames.ForSubject("alice"))), "alice's markers must be gone with her sessions");
        Assert.Equal(5, await store.CountAsync(SessionQuery.ForSubject("bob"), Token));
    }

    [Fact]
    public async Task Pruning_opens_only_files_whose_modification_time_has_passed()
    {
        await using var store = CreateStore(batchSize: 100);
        var future = PlantGarbage("future", _clock.GetUtcNow().AddYears(5));
        var past = PlantGarbage("past", _clock.GetUtcNow().AddSeconds(-1));

        while (!(await store.PruneAsync(Token)).SweepCompleted)
        {
        }

        // Only the file whose time had passed was opened (and, being undecodable, kept and reported).
        var warning = Assert.Single(_logger.Entries, e => e.EventId == CorruptFileKeptEvent);
        Assert.Contains(SessionValidation.Tag("past"), warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("past", warning.Message, StringComparison.Ordinal);
        Assert.True(System.IO.File.Exists(future));
        Assert.True(System.IO.File.Exists(past));
    }

    [Fact]
    public async Task Pruning_never_deletes_a_live_session_whose_modification_time_looks_expired()
    {
        await using var store = CreateStore(batchSize: 100);
        await store.SetAsync("alive", new SessionWrite(new byte[] { 1 }, TimeSpan.FromHours(1)), Token);
        System.IO.File.SetLastWriteTimeUtc(Path.Combine(Sessions, SessionFileNames.ForId("alive")), new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var result = await store.PruneAsync(Token);

        Assert.Equal(0, result.SessionsDeleted);
        Assert.NotNull(await store.GetAsync("alive", Token));
    }

    [Fact]
    public async Task Leftovers_of_a_crashed_writer_are_ignored_by_reads_and_removed_by_pruning_once_old()
    {
        await using var store = CreateStore(batchSize: 100);
        await store.SetAsync("s1", new SessionWrite(new byte[] { 1 }, TimeSpan.FromHours(1), "alice"), Token);
        var complete = await System.IO.File.ReadAllBytesAsync(Path.Combine(Sessions, SessionFileNames.ForId("s1")), Token);
        var nowMs = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var temp = Path.Combine(_directory, "tmp");

        // A writer that died before its rename (a complete new version), one that died mid-write, and one still writing.
        var unrenamed = Path.Combine(temp, $"{nowMs - 1000}-{Guid.NewGuid():N}.tmp");
        var torn = Path.Combine(temp, $"{nowMs - 1000}-{Guid.NewGuid():N}.tmp");
        var inProgress = Path.Combine(temp, $"{nowMs}-{Guid.NewGuid():N}.tmp");
        await System.IO.File.WriteAllBytesAsync(unrenamed, complete, Token);
        await System.IO.File.WriteAllBytesAsync(torn, complete[..10], Token);
        await System.IO.File.WriteAllBytesAsync(inProgress, complete[..20], Token);

        Assert.Equal(1, (await store.GetAsync("s1", Token))!.Version);
        Assert.Equal(1, await store.CountAsync(SessionQuery.All, Token));
        Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject("alice"), Token));

        // The two orphans are now just over OrphanTempFileAge (10 minutes) old, the writer in progress just under.
        _clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(500));
        var result = await store.PruneAsync(Token);

        Assert.Equal(2, result.TemporaryFilesDeleted);
        Assert.False(System.IO.File.Exists(unrenamed));
        Assert.False(System.IO.File.Exists(torn));
        Assert.True(System.IO.File.Exists(inProgress), "a temporary file younger than OrphanTempFileAge may belong to a live writer");
        Assert.NotNull(await store.GetAsync("s1", Token));
    }

    [Fact]
    public async Task One_timer_tick_sweeps_the_whole_directory_in_back_to_back_passes()
    {
        // Given more expired files than four passes inspect, and two live ones
        await using var store = CreateStore(batchSize: 10, interval: TimeSpan.FromMinutes(1));
        for (var i = 0; i < 45; i++)
        {
            await store.SetAsync($"brief-{i}", new SessionWrite(new byte[] { 1 }, TimeSpan.FromSeconds(1)), Token);
        }

        await store.SetAsync("live-1", new SessionWrite(new byte[] { 2 }, TimeSpan.FromHours(1)), Token);
        await store.SetAsync("live-2", new SessionWrite(new byte[] { 2 }, TimeSpan.FromHours(1)), Token);

        // When one tick fires (and no other)
        _clock.Advance(TimeSpan.FromMinutes(1));

        // Then that tick alone deletes every expired file
        await PollAsync(() => Directory.EnumerateFiles(Sessions).Count() == 2);
        Assert.Equal(2, await store.CountAsync(SessionQuery.All, Token));
    }

    [Fact]
    public async Task The_timer_prunes_in_the_background_and_logs_failures_without_throwing()
    {
        await using var store = CreateStore(batchSize: 100, interval: TimeSpan.FromMinutes(1));
        await store.SetAsync("brief", new SessionWrite(new byte[] { 1 }, TimeSpan.FromSeconds(1)), Token);

        _clock.Advance(TimeSpan.FromMinutes(1));
        await PollAsync(() => !Directory.EnumerateFiles(Sessions).Any());

        // A tick that finds the previous pass still running is skipped, so keep ticking until one fails.
        Directory.Delete(Sessions, recursive: true);
        await PollAsync(() =>
        {
            _clock.Advance(TimeSpan.FromMinutes(1));
            return _logger.Count(PruneFailedEvent) > 0;
        });
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static async Task PollAsync(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "background pruning did not act within 30 s");
            await Task.Delay(10, Token);
        }
    }

    private FileSessionStore CreateStore(int batchSize, TimeSpan? interval = null) =>
        new(new FileSessionStoreOptions { Directory = _directory, PruneBatchSize = batchSize, PruneInterval = interval ?? TimeSpan.FromDays(1) }, _clock, _logger);

    private string PlantGarbage(string id, DateTimeOffset modified)
    {
        var path = Path.Combine(Sessions, SessionFileNames.ForId(id));
        System.IO.File.WriteAllBytes(path, [1, 2, 3, 4, 5]);
        System.IO.File.SetLastWriteTimeUtc(path, modified.UtcDateTime);
        return path;
    }
}
