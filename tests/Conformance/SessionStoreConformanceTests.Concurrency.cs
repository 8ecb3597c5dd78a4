using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

#pragma warning disable CS1591

namespace SessionStores.Conformance;

public abstract partial class SessionStoreConformanceTests<TFixture>
{
    [Fact]
    public async Task Parallel_compare_and_set_increments_on_one_session_end_exactly_right()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        const int workers = 8;
        const int incrementsEach = 20;
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Counter(0)));
        var conflicts = 0;

        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            for (var done = 0; done < incrementsEach;)
            {
                var current = await store.GetAsync(id, Token);
                var next = ReadCounter(current!.Data) + 1;
                var result = await store.SetAsync(id, Write(Counter(next), expectedVersion: current.Version), Token);
                if (result.Succeeded)
                {
                    done++;
                }
                else
                {
                    Interlocked.Increment(ref conflicts);
                    Assert.True(result.Version > current.Version, $"a conflict must report a newer version than {current.Version}, got {result.Version}");
                }
            }
        }, Token)));

        var final = await store.GetAsync(id, Token);
        Assert.Equal(workers * incrementsEach, ReadCounter(final!.Data));
        Assert.Equal(1 + (workers * incrementsEach), final.Version);
    }

    [Fact]
    public async Task Parallel_unconditional_sets_each_add_exactly_one_version()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        const int writers = 24;
        var store = await CreateStoreAsync();
        var id = NewId();

        var versions = await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(() => SetOkAsync(store, id, Write(Counter(i))), Token)));

        Assert.Equal(Enumerable.Range(1, writers).Select(v => (long)v), versions.Order());
        Assert.Equal(writers, (await store.GetAsync(id, Token))!.Version);
    }

    [Fact]
    public async Task Parallel_create_only_writes_let_exactly_one_win()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        const int writers = 16;
        var store = await CreateStoreAsync();
        var id = NewId();

        var results = await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(() => store.SetAsync(id, Write(Counter(i), expectedVersion: 0), Token), Token)));

        var winner = Assert.Single(results, r => r.Succeeded);
        Assert.Equal(1, winner.Version);
        Assert.All(results.Where(r => r.IsConflict), r => Assert.Equal(1, r.Version));
        var record = await store.GetAsync(id, Token);
        Assert.Equal(1, record!.Version);
        if (Supports(ConformanceCapabilities.Listing))
        {
            Assert.Equal(1, await store.CountAsync(SessionQuery.All, Token));
        }
    }

    [Fact]
    public async Task Touch_racing_with_writes_never_loses_a_write_or_changes_a_version()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Counter(0)));
        using var stop = new CancellationTokenSource();

        var toucher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Assert.True(await store.TouchAsync(id, LongTtl, Token));
                Assert.NotNull(await store.GetAndTouchAsync(id, LongTtl, Token));
            }
        }, Token);
        for (var i = 1; i <= 50; i++)
        {
            Assert.Equal(i + 1, await SetOkAsync(store, id, Write(Counter(i), expectedVersion: i)));
        }

        await stop.CancelAsync();
        await toucher;
        var final = await store.GetAsync(id, Token);
        Assert.Equal(50, ReadCounter(final!.Data));
        Assert.Equal(51, final.Version);
    }
}
