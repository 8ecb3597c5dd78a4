using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Conformance;

/// <summary>A fixture of a store with an invalidation feed; it unlocks <see cref="NearCacheConformanceTests{TFixture}"/>.
/// Its <see cref="ISessionStoreFixture.CreateStoreAsync"/> returns the plain store (announcing its changes).</summary>
public interface INearCacheFixture : ISessionStoreFixture
{
    /// <summary>A store on the same namespace that announces nothing: a writer the feed does not see.</summary>
    /// <param name="options">The namespace.</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <returns>The store.</returns>
    ValueTask<ISessionStore> CreateSilentStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken);

    /// <summary>A store with connections of its own, and a way to kill its feed's connection from the server side
    /// (<c>CLIENT KILL</c>, <c>pg_terminate_backend</c>) without touching anyone else's.</summary>
    /// <param name="options">The namespace.</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <returns>The store, and what kills its feed's connection.</returns>
    ValueTask<(ISessionStore Store, Func<CancellationToken, Task> KillFeed)> CreateKillableStoreAsync(
        ConformanceStoreOptions options, CancellationToken cancellationToken);

    /// <summary>Starts a second OS process that runs <see cref="NearCacheIncrements.RunAsync"/> through a near cache of its
    /// own on the namespace (<c>SessionStores.NearCacheWorker</c>, via <see cref="LeaseHolderProcesses.StartDotnet"/>): it
    /// prints <c>ready</c> once its feed is live and <c>done &lt;conflicts&gt;</c> at the end.</summary>
    /// <param name="options">The namespace.</param>
    /// <param name="id">The counter's session id.</param>
    /// <param name="count">How many increments.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The process.</returns>
    ValueTask<Process> StartIncrementerAsync(ConformanceStoreOptions options, string id, int count, CancellationToken cancellationToken);
}

/// <summary>
/// The near cache over a real store and its feed: what it saves (round trips), and that it never serves what another
/// writer changed once the feed told it, nor anything while the feed is lost. Two stores on one namespace stand for two
/// processes (each has its own cache and its own feed subscription).
/// </summary>
/// <typeparam name="TFixture">The store's fixture.</typeparam>
public abstract class NearCacheConformanceTests<TFixture> : ConformanceTestBase<TFixture>
    where TFixture : class, INearCacheFixture
{
    // Long enough that only the feed (never the age cap) can explain an eviction within a test.
    private static readonly SessionStoreNearCacheOptions Options = new() { MaxEntryAge = TimeSpan.FromHours(1) };

    /// <summary>Creates the suite.</summary>
    /// <param name="fixture">The fixture.</param>
    protected NearCacheConformanceTests(TFixture fixture)
        : base(fixture)
    {
    }

    /// <summary>A load served from memory plus its compare-and-set is one call to the store; a read-only request is none.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task A_read_modify_write_costs_one_store_call_and_a_read_only_request_none()
    {
        var options = new ConformanceStoreOptions(NewNamespace());
        var inner = await Fixture.CreateStoreAsync(options, Token);
        var counted = new CountingSessionStore(inner);
        var cache = await TrackCacheAsync(counted, (ISessionInvalidationSource)inner);
        var id = NewId();
        var version = await SetOkAsync(cache, id, Write(Bytes("0")));
        Assert.NotNull(await cache.GetAndTouchAsync(id, LongTtl, Token));
        var before = counted.Calls;

        for (var i = 1; i <= 5; i++)
        {
            // Read-modify-write: load, then compare-and-set against the version loaded.
            var loaded = await cache.GetAndTouchAsync(id, LongTtl, Token);
            Assert.Equal(version, loaded!.Version);
            var written = await cache.SetAsync(id, Write(Bytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), expectedVersion: loaded.Version), Token);
            Assert.True(written.Succeeded);
            version = written.Version;

            // Read-only requests.
            Assert.Equal(version, (await cache.GetAndTouchAsync(id, LongTtl, Token))!.Version);
            Assert.Equal(version, (await cache.GetAndTouchAsync(id, LongTtl, Token))!.Version);
        }

        Assert.Equal(5, counted.Calls - before);
        Assert.Equal(Bytes("5"), (await inner.GetAsync(id, Token))!.Data.ToArray());
    }

    /// <summary>The announcement of this process's own write names the version it cached, so it evicts nothing.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task Its_own_write_is_announced_back_without_evicting_what_it_wrote()
    {
        var cache = await CreateCacheAsync(new ConformanceStoreOptions(NewNamespace()));
        var id = NewId();
        await SetOkAsync(cache, id, Write(Bytes("a")));
        Assert.NotNull(await cache.GetAndTouchAsync(id, LongTtl, Token));
        var announced = cache.GetStatistics().Announcements;

        Assert.True((await cache.SetAsync(id, Write(Bytes("b"), expectedVersion: 2 - 1), Token)).Succeeded);
        await PollAsync(() => cache.GetStatistics().Announcements > announced, "the write's own announcement");
        var hits = cache.GetStatistics().Hits;
        var read = await cache.GetAndTouchAsync(id, LongTtl, Token);

        Assert.Equal(hits + 1, cache.GetStatistics().Hits);
        Assert.Equal(2, read!.Version);
        Assert.Equal(Bytes("b"), read.Data.ToArray());
    }

    /// <summary>Another process's write and destroy evict the cached copy.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task A_write_and_a_destroy_by_another_process_are_seen()
    {
        var options = new ConformanceStoreOptions(NewNamespace());
        var cache = await CreateCacheAsync(options);
        var other = await CreateCacheAsync(options);
        var id = NewId();
        await SetOkAsync(other, id, Write(Bytes("a")));
        Assert.Equal(1, (await cache.GetAndTouchAsync(id, LongTtl, Token))!.Version);

        await SetOkAsync(other, id, Write(Bytes("b")));
        await PollAsync(async () => (await cache.GetAndTouchAsync(id, LongTtl, Token))!.Version == 2, "the other process's write");
        Assert.Equal(Bytes("b"), (await cache.GetAndTouchAsync(id, LongTtl, Token))!.Data.ToArray());

        Assert.True(await other.DestroyAsync(id, Token));
        await PollAsync(async () => await cache.GetAndTouchAsync(id, LongTtl, Token) is null, "the other process's destroy");
    }

    /// <summary>Another process's bulk delete empties the cache.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task A_bulk_delete_by_another_process_empties_the_cache()
    {
        var options = new ConformanceStoreOptions(NewNamespace());
        var cache = await CreateCacheAsync(options);
        var other = await CreateCacheAsync(options);
        var id = NewId();
        await SetOkAsync(other, id, Write(Bytes("a")));
        Assert.NotNull(await cache.GetAndTouchAsync(id, LongTtl, Token));

        await other.DestroyManyAsync(SessionQuery.All, Token);

        await PollAsync(async () => await cache.GetAndTouchAsync(id, LongTtl, Token) is null, "the bulk delete");
    }

    /// <summary>A copy the feed missed fails its compare-and-set, and the re-read comes from the store.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task A_stale_entry_fails_the_compare_and_set_and_the_merge_reads_the_store()
    {
        var options = new ConformanceStoreOptions(NewNamespace());
        var cache = await CreateCacheAsync(options);
        var silent = Track(await Fixture.CreateSilentStoreAsync(options, Token));
        var id = NewId();
        await SetOkAsync(cache, id, Write(Bytes("a")));
        Assert.NotNull(await cache.GetAndTouchAsync(id, LongTtl, Token));
        await SetOkAsync(silent, id, Write(Bytes("theirs")));

        // The feed never heard of it: the cache serves version 1 until the write against it fails.
        var stale = await cache.GetAndTouchAsync(id, LongTtl, Token);
        var result = await cache.SetAsync(id, Write(Bytes("mine"), expectedVersion: stale!.Version), Token);
        var reread = await cache.GetAsync(id, Token);

        Assert.Equal(1, stale.Version);
        Assert.True(result.IsConflict);
        Assert.Equal(2, result.Version);
        Assert.Equal(2, reread!.Version);
        Assert.Equal(Bytes("theirs"), reread.Data.ToArray());
        Assert.Equal(2, (await cache.GetAndTouchAsync(id, LongTtl, Token))!.Version);
    }

    /// <summary>A killed feed connection empties the cache, which is bypassed until the feed is back.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task Losing_the_feed_empties_and_bypasses_the_cache_until_it_is_back()
    {
        var options = new ConformanceStoreOptions(NewNamespace());
        var (inner, killFeed) = await Fixture.CreateKillableStoreAsync(options, Token);
        var cache = await TrackCacheAsync(inner, (ISessionInvalidationSource)inner);
        var silent = Track(await Fixture.CreateSilentStoreAsync(options, Token));
        var id = NewId();
        await SetOkAsync(cache, id, Write(Bytes("a")));
        Assert.NotNull(await cache.GetAndTouchAsync(id, LongTtl, Token));

        await killFeed(Token);
        await NearCachedStores.WaitUntilAsync(cache, live: false, Token);
        Assert.Equal(0, cache.GetStatistics().Entries);
        await SetOkAsync(silent, id, Write(Bytes("while lost")));
        var hits = cache.GetStatistics().Hits;
        Assert.Equal(2, (await cache.GetAndTouchAsync(id, LongTtl, Token))!.Version);
        await NearCachedStores.WaitUntilAsync(cache, live: true, Token);
        Assert.Equal(2, (await cache.GetAndTouchAsync(id, LongTtl, Token))!.Version);
        Assert.Equal(2, (await cache.GetAndTouchAsync(id, LongTtl, Token))!.Version);

        // Only the last read was served from memory: none while lost, none from before the loss.
        Assert.Equal(hits + 1, cache.GetStatistics().Hits);
    }

    /// <summary>Two processes, each with its own near cache, increment one session concurrently: no increment is lost,
    /// and each reads its own writes.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task Two_processes_lose_no_update_and_each_reads_its_own_writes()
    {
        const int Count = 150;
        var options = new ConformanceStoreOptions(NewNamespace());
        var cache = await CreateCacheAsync(options);
        var id = NewId();
        using var worker = await Fixture.StartIncrementerAsync(options, id, Count, Token);
        try
        {
            Assert.Equal("ready", await worker.StandardOutput.ReadLineAsync(Token));

            await NearCacheIncrements.RunAsync(cache, id, Count, Token);
            var done = await worker.StandardOutput.ReadLineAsync(Token);
            await worker.WaitForExitAsync(Token);

            Assert.True(worker.ExitCode == 0, $"The worker exited with {worker.ExitCode} (its standard error is in the test output).");
            Assert.StartsWith("done ", done, StringComparison.Ordinal);
            var stored = await cache.Inner.GetAsync(id, Token);
            Assert.Equal((2 * Count).ToString(System.Globalization.CultureInfo.InvariantCulture), System.Text.Encoding.UTF8.GetString(stored!.Data.Span));
            Assert.Equal(2 * Count, stored.Version);
        }
        finally
        {
            if (!worker.HasExited)
            {
                worker.Kill(entireProcessTree: true);
            }
        }
    }

    private async Task<NearCachedSessionStore> CreateCacheAsync(ConformanceStoreOptions options)
    {
        var inner = await Fixture.CreateStoreAsync(options, Token);
        return await TrackCacheAsync(inner, (ISessionInvalidationSource)inner);
    }

    private async Task<NearCachedSessionStore> TrackCacheAsync(ISessionStore inner, ISessionInvalidationSource feed)
    {
        // Disposed in this order: the cache (its feed and background touches) before the store under it.
        var cache = NearCachedSessionStore.Create(inner, feed, Options);
        Track(cache);
        Track(inner);
        await NearCachedStores.WaitUntilAsync(cache, live: true, Token);
        return cache;
    }

    private static Task PollAsync(Func<bool> done, string what) => PollAsync(() => Task.FromResult(done()), what);

    private static async Task PollAsync(Func<Task<bool>> done, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!await done())
        {
            Assert.True(waited.Elapsed < NearCachedStores.LiveTimeout, $"The near cache did not see {what} within {NearCachedStores.LiveTimeout.TotalSeconds:0} s.");
            await Task.Delay(10, Token);
        }
    }
}
