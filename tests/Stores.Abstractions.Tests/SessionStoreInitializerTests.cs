using System;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Abstractions.Tests;

public sealed class SessionStoreInitializerTests
{
    [Fact]
    public async Task The_work_runs_once_for_callers_that_arrive_while_it_runs()
    {
        var runs = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var initializer = new SessionStoreInitializer(async _ =>
        {
            Interlocked.Increment(ref runs);
            await release.Task;
        });

        var first = initializer.EnsureAsync(TestContext.Current.CancellationToken);
        var second = initializer.EnsureAsync(TestContext.Current.CancellationToken);
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        release.SetResult();
        await Task.WhenAll(first, second);
        await initializer.EnsureAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, runs);
        Assert.True(initializer.IsDone);
    }

    [Fact]
    public async Task A_failed_attempt_fails_its_caller_and_the_next_caller_tries_again()
    {
        var attempts = 0;
        var initializer = new SessionStoreInitializer(_ =>
            Interlocked.Increment(ref attempts) == 1 ? Task.FromException(new TimeoutException("server starting")) : Task.CompletedTask);

        await Assert.ThrowsAsync<TimeoutException>(() => initializer.EnsureAsync(TestContext.Current.CancellationToken));
        Assert.False(initializer.IsDone);
        await initializer.EnsureAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, attempts);
        Assert.True(initializer.IsDone);
    }

    [Fact]
    public async Task A_waiting_caller_stops_waiting_when_its_own_token_is_cancelled()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var initializer = new SessionStoreInitializer(_ => release.Task);
        var running = initializer.EnsureAsync(TestContext.Current.CancellationToken);
        using var waiter = new CancellationTokenSource();

        var waiting = initializer.EnsureAsync(waiter.Token);
        await waiter.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.False(running.IsCompleted);
        release.SetResult();
        await running;
        Assert.True(initializer.IsDone);
    }

    [Fact]
    public async Task The_attempt_gets_its_callers_token()
    {
        using var caller = new CancellationTokenSource();
        CancellationToken seen = default;
        var initializer = new SessionStoreInitializer(ct =>
        {
            seen = ct;
            return Task.CompletedTask;
        });

        await initializer.EnsureAsync(caller.Token);

        Assert.Equal(caller.Token, seen);
    }
}
