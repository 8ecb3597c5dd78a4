using System;
using System.Diagnostics;
using System.Threading.Tasks;

namespace SessionStores.Benchmarks;

/// <summary>
/// The concurrency every store-vs-raw benchmark runs at, in one place so the store and its baseline are driven alike:
/// <c>workers</c> tasks, each walking its own slice of the ids (so workers never contend on a session) from a random
/// offset, one operation after another. Linked into each benchmark project.
/// </summary>
internal static class SliceWorkers
{
    /// <summary>Runs <paramref name="opsPerWorker"/> operations on each of <paramref name="workers"/> tasks.</summary>
    /// <param name="ids">The sessions, split into one slice per worker.</param>
    /// <param name="workers">How many tasks run at once.</param>
    /// <param name="opsPerWorker">Operations each task runs, one after another.</param>
    /// <param name="operation">One operation: the worker's index (for per-worker resources) and the id.</param>
    /// <returns>A task that completes when every worker is done.</returns>
    public static Task RunAsync(string[] ids, int workers, int opsPerWorker, Func<int, string, Task> operation)
    {
        var slice = ids.Length / workers;
        var tasks = new Task[workers];
        for (var w = 0; w < workers; w++)
        {
            var worker = w;
            tasks[w] = Task.Run(async () =>
            {
                var offset = Random.Shared.Next(slice);
                for (var i = 0; i < opsPerWorker; i++)
                {
                    await operation(worker, ids[(worker * slice) + ((offset + i) % slice)]);
                }
            });
        }

        return Task.WhenAll(tasks);
    }

    /// <summary>Like <see cref="RunAsync"/>, but each worker starts operations until <paramref name="duration"/> has
    /// passed instead of for a count.</summary>
    /// <param name="ids">The sessions, split into one slice per worker (at least one each).</param>
    /// <param name="workers">How many tasks run at once.</param>
    /// <param name="duration">How long workers keep starting operations.</param>
    /// <param name="operation">One operation: the worker's index (for per-worker resources) and the id.</param>
    /// <returns>A task that completes when every worker is done.</returns>
    public static Task RunForAsync(string[] ids, int workers, TimeSpan duration, Func<int, string, Task> operation)
    {
        if (workers < 1 || workers > ids.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(workers), workers, $"workers must be 1 to {ids.Length} (one session each at least)");
        }

        var slice = ids.Length / workers;
        var clock = Stopwatch.StartNew();
        var tasks = new Task[workers];
        for (var w = 0; w < workers; w++)
        {
            var worker = w;
            tasks[w] = Task.Run(async () =>
            {
                var offset = Random.Shared.Next(slice);
                for (var i = 0; clock.Elapsed < duration; i++)
                {
                    await operation(worker, ids[(worker * slice) + ((offset + i) % slice)]);
                }
            });
        }

        return Task.WhenAll(tasks);
    }
}
