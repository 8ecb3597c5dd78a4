using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Abstractions.Tests;

// SessionStoreOperationRunner.AcquireLeaseAsync: each attempt is bounded by the operation timeout, the waits between
// attempts by the caller's wait alone.
public sealed class SessionStoreOperationRunnerLeaseTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(200);

    // Generous bound for a loaded CI machine: the deadline plus one second.
    private static readonly TimeSpan Bound = Timeout + TimeSpan.FromSeconds(1);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(0)]
    [InlineData(1500)]
    public async Task An_attempt_that_never_answers_ends_the_acquisition_with_a_transient_timeout(int waitMs)
    {
        var runner = new SessionStoreOperationRunner("TestBackend", Timeout, null);
        var wait = TimeSpan.FromMilliseconds(waitMs);
        var never = new TaskCompletionSource<SessionLeaseAttempt>(TaskCreationOptions.RunContinuationsAsynchronously);
        var elapsed = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<SessionStoreException>(() => runner.AcquireLeaseAsync(
            "key", wait, never, static _ => new SessionLeaseWaiters(), static (tcs, _) => tcs.Task, Token));

        Assert.InRange(elapsed.Elapsed, Timeout - TimeSpan.FromMilliseconds(20), wait + Bound);
        Assert.True(error.IsTransient);
        Assert.Equal("TestBackend session store: AcquireLease did not answer within OperationTimeout (0.2 s).", error.Message);
    }

    [Fact]
    public async Task Waiting_between_attempts_longer_than_the_timeout_is_no_timeout()
    {
        var runner = new SessionStoreOperationRunner("TestBackend", Timeout, null);
        var attempts = new StrongBox();
        var wait = Timeout * 4;
        var elapsed = Stopwatch.StartNew();

        var lease = await runner.AcquireLeaseAsync(
            "key",
            wait,
            attempts,
            static _ => new SessionLeaseWaiters(),
            static (a, _) =>
            {
                Interlocked.Increment(ref a.Value);
                return Task.FromResult(SessionLeaseAttempt.Held(null));
            },
            Token);

        Assert.Null(lease);
        Assert.True(elapsed.Elapsed >= wait, $"gave up after {elapsed.Elapsed.TotalMilliseconds:0} ms of a {wait.TotalMilliseconds} ms wait");
        Assert.True(attempts.Value >= 2, $"{attempts.Value} attempt(s)");
    }

    [Fact]
    public async Task A_zero_wait_tries_once_without_waiters()
    {
        var runner = new SessionStoreOperationRunner("TestBackend", Timeout, null);
        var attempts = new StrongBox();

        var lease = await runner.AcquireLeaseAsync<StrongBox>(
            "key",
            TimeSpan.Zero,
            attempts,
            static _ => throw new InvalidOperationException("A zero wait asked for waiters."),
            static (a, _) =>
            {
                Interlocked.Increment(ref a.Value);
                return Task.FromResult(SessionLeaseAttempt.Acquired(new SessionLease("id", "owner", 7)));
            },
            Token);

        Assert.Equal(new SessionLease("id", "owner", 7), lease);
        Assert.Equal(1, attempts.Value);
    }

    [Fact]
    public async Task The_callers_cancellation_during_a_wait_stays_a_cancellation()
    {
        var runner = new SessionStoreOperationRunner("TestBackend", Timeout, null);
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Token);
        caller.CancelAfter(Timeout * 2);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.AcquireLeaseAsync(
            "key", TimeSpan.FromMinutes(1), 0, static _ => new SessionLeaseWaiters(), static (_, _) => Task.FromResult(SessionLeaseAttempt.Held(null)), caller.Token));
    }

    private sealed class StrongBox
    {
#pragma warning disable SA1401 // Interlocked needs a field.
        public int Value;
#pragma warning restore SA1401
    }
}
