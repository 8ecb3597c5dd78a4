using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SessionStores.Memory;
using Xunit;

namespace SessionStores.Abstractions.Tests;

public sealed class SessionStoreOperationRunnerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(200);

    // Generous bound for a loaded CI machine: the deadline plus one second.
    private static readonly TimeSpan Bound = Timeout + TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_body_that_ignores_its_token_is_abandoned_at_the_deadline_with_a_transient_timeout()
    {
        var runner = new SessionStoreOperationRunner("TestBackend", Timeout, null);
        var never = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var elapsed = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<SessionStoreException>(
            () => runner.RunAsync("Get", never, static (tcs, _) => tcs.Task, CancellationToken.None));

        Assert.InRange(elapsed.Elapsed, Timeout - TimeSpan.FromMilliseconds(20), Bound);
        Assert.True(error.IsTransient);
        Assert.Equal("TestBackend session store: Get did not answer within OperationTimeout (0.2 s).", error.Message);
        var timeout = Assert.IsType<TimeoutException>(error.InnerException);
        Assert.Null(timeout.InnerException);
    }

    [Fact]
    public async Task A_body_that_honours_its_token_sees_it_cancelled_at_the_deadline()
    {
        var runner = new SessionStoreOperationRunner("TestBackend", Timeout, null);
        var seen = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        var error = await Assert.ThrowsAsync<SessionStoreException>(
            () => runner.RunAsync<TaskCompletionSource<bool>, int>("Count", seen, static async (seen, token) =>
            {
                await Task.Delay(System.Threading.Timeout.Infinite, token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                seen.SetResult(token.IsCancellationRequested);
                return 1;
            }, CancellationToken.None));

        Assert.True(error.IsTransient);
        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.True(await seen.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_callers_cancellation_stays_a_cancellation_with_the_callers_token()
    {
        var runner = new SessionStoreOperationRunner("TestBackend", TimeSpan.FromMinutes(1), null);
        var never = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var caller = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var canceled = await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => runner.RunAsync("Get", never, static (tcs, _) => tcs.Task, caller.Token));

        Assert.Equal(caller.Token, canceled.CancellationToken);
    }

    [Fact]
    public async Task An_already_cancelled_caller_never_starts_the_body()
    {
        var runner = new SessionStoreOperationRunner("TestBackend", Timeout, null);
        var started = new StrongBox();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync("Get", started, static (box, _) =>
        {
            box.Value = true;
            return Task.FromResult(1);
        }, new CancellationToken(canceled: true)));

        Assert.False(started.Value);
    }

    [Fact]
    public async Task Answers_within_the_deadline_pass_through_unchanged()
    {
        var runner = new SessionStoreOperationRunner("TestBackend", TimeSpan.FromMinutes(1), null);
        var corrupted = new SessionDataCorruptedException("abc", "bad header");

        Assert.Equal(42, await runner.RunAsync("Get", 42, static async (value, token) =>
        {
            await Task.Yield();
            Assert.True(token.CanBeCanceled);
            return value;
        }, CancellationToken.None));
        await runner.RunAsync("Destroy", 0, static (_, _) => Task.CompletedTask, CancellationToken.None);
        var thrown = await Assert.ThrowsAsync<SessionDataCorruptedException>(
            () => runner.RunAsync<SessionDataCorruptedException, int>("Get", corrupted, static async (e, _) =>
            {
                await Task.Yield();
                throw e;
            }, CancellationToken.None));
        Assert.Same(corrupted, thrown);
    }

    [Fact]
    public async Task An_abandoned_body_that_fails_later_is_observed_and_logged()
    {
        var logger = new ListLogger();
        var runner = new SessionStoreOperationRunner("TestBackend", Timeout, logger);
        var late = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        await Assert.ThrowsAsync<SessionStoreException>(() => runner.RunAsync("Get", late, static (tcs, _) => tcs.Task, CancellationToken.None));
        late.SetException(new InvalidOperationException("late failure"));

        var deadline = Stopwatch.StartNew();
        while (logger.Entries.IsEmpty && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Debug, entry.Level);
        Assert.Equal("late failure", entry.Exception?.Message);
        Assert.Contains("TestBackend", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listing_bounds_each_step_not_the_whole_nor_the_consumers_time()
    {
        var runner = new SessionStoreOperationRunner("TestBackend", Timeout, null);
        var items = new System.Collections.Generic.List<int>();

        await foreach (var item in runner.ListAsync("List", 3, static (count, token) => Pages(count, TimeSpan.FromMilliseconds(100), token), TestContext.Current.CancellationToken))
        {
            // The consumer takes longer than the timeout between items, and the listing as a whole takes longer still.
            await Task.Delay(Timeout + TimeSpan.FromMilliseconds(50), TestContext.Current.CancellationToken);
            items.Add(item);
        }

        Assert.Equal([0, 1, 2], items);
    }

    [Fact]
    public async Task A_listing_step_that_never_answers_times_out_after_the_items_before_it()
    {
        var runner = new SessionStoreOperationRunner("TestBackend", Timeout, null);
        var items = new System.Collections.Generic.List<int>();

        var error = await Assert.ThrowsAsync<SessionStoreException>(async () =>
        {
            await foreach (var item in runner.ListAsync("List", 0, static (_, token) => StallsAfterOne(), TestContext.Current.CancellationToken))
            {
                items.Add(item);
            }
        });

        Assert.Equal([1], items);
        Assert.True(error.IsTransient);
        Assert.StartsWith("TestBackend session store: List did not answer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stepped_deadline_gives_each_step_the_whole_timeout()
    {
        var runner = new SessionStoreOperationRunner("TestBackend", Timeout, null);
        using var deadline = runner.Start("DestroyMany", TestContext.Current.CancellationToken);

        for (var step = 0; step < 3; step++)
        {
            deadline.Restart();
            await deadline.WaitAsync(Task.Delay(Timeout / 2, deadline.Token).ContinueWith(_ => step, TaskScheduler.Default));
        }

        deadline.Restart();
        var stalled = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var wait = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => deadline.WaitAsync(stalled.Task));
        Assert.IsType<SessionStoreException>(deadline.ToThrow(wait));
    }

    private static async System.Collections.Generic.IAsyncEnumerable<int> Pages(
        int count, TimeSpan perPage, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token = default)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Delay(perPage, token);
            yield return i;
        }
    }

    private static async System.Collections.Generic.IAsyncEnumerable<int> StallsAfterOne()
    {
        yield return 1;
        await new TaskCompletionSource().Task;
        yield return 2;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(600_001)]
    public void Out_of_range_timeouts_are_refused_naming_the_option(int milliseconds)
    {
        var value = TimeSpan.FromMilliseconds(milliseconds);

        var problem = SessionStoreOperationRunner.ValidateOperationTimeout(value, "RedisSessionStoreOptions");

        Assert.StartsWith("RedisSessionStoreOptions.OperationTimeout must be greater than zero", problem, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SessionStoreOperationRunner("TestBackend", value, null));
        var memory = Assert.Throws<ArgumentException>(() => new MemorySessionStore(new MemorySessionStoreOptions { OperationTimeout = value }));
        Assert.Contains("MemorySessionStoreOptions.OperationTimeout", memory.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_limits_themselves_are_accepted()
    {
        Assert.Null(SessionStoreOperationRunner.ValidateOperationTimeout(SessionLimits.MaxOperationTimeout, "X"));
        Assert.Null(SessionStoreOperationRunner.ValidateOperationTimeout(TimeSpan.FromTicks(1), "X"));
        Assert.Equal(TimeSpan.FromSeconds(5), new MemorySessionStoreOptions().OperationTimeout);
    }

    private sealed class StrongBox
    {
        public bool Value { get; set; }
    }

    private sealed class ListLogger : ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, formatter(state, exception), exception));
    }
}
