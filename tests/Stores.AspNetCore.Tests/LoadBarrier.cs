using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.AspNetCore.Tests;

/// <summary>
/// Holds every request's load until all <c>n</c> of them have loaded, so that they all start from the same version
/// (a forced race). Waits asynchronously: a blocking barrier ties up one thread-pool thread per request, and on a loaded
/// 2-core machine the pool grows too slowly for sixteen of them (the barrier then timed out, failing unrelated tests
/// running beside it).
/// </summary>
internal sealed class LoadBarrier(int participants)
{
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _arrived;

    /// <summary>Installs itself as the store's after-load hook.</summary>
    public static LoadBarrier On(InterceptingSessionStore store, int participants)
    {
        var barrier = new LoadBarrier(participants);
        store.AfterGetAndTouch = barrier.ArriveAndWaitAsync;
        return barrier;
    }

    public Task ArriveAndWaitAsync()
    {
        if (Interlocked.Increment(ref _arrived) == participants)
        {
            _all.TrySetResult();
        }

        return _all.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
