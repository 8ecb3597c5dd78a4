using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace SessionStores.Abstractions.Tests;

/// <summary>The shared waiting loop on a fake clock: nothing but a wake-up or the clock moves a waiter, and nothing is
/// left registered once a wait ends.</summary>
public sealed class SessionLeaseWaitersTests
{
    private static readonly SessionLease Lease = new("a", "owner", 1);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>An attempt that fails until <see cref="Free"/> is set, counting the attempts.</summary>
    private sealed class Attempts(TimeSpan? holderRemaining = null)
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public volatile bool Free;

        public ValueTask<SessionLeaseAttempt> TryAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return ValueTask.FromResult(Free ? SessionLeaseAttempt.Acquired(Lease) : SessionLeaseAttempt.Held(holderRemaining));
        }
    }

    [Fact]
    public async Task A_zero_wait_tries_once_and_registers_nothing()
    {
        var waiters = new SessionLeaseWaiters(new FakeTimeProvider());
        var attempts = new Attempts();

        Assert.Null(await waiters.AcquireAsync("a", TimeSpan.Zero, attempts.TryAsync, Token));

        Assert.Equal(1, attempts.Count);
        Assert.Equal(0, waiters.WaitingKeys);
    }

    [Fact]
    public async Task Wake_moves_only_the_waiters_of_its_key_and_WakeAll_moves_everyone()
    {
        var waiters = new SessionLeaseWaiters(new FakeTimeProvider());
        var a = new Attempts();
        var b = new Attempts();
        var waitA = waiters.AcquireAsync("a", TimeSpan.FromMinutes(1), a.TryAsync, Token);
        var waitB = waiters.AcquireAsync("b", TimeSpan.FromMinutes(1), b.TryAsync, Token);
        Assert.Equal((1, 1), (a.Count, b.Count));

        a.Free = true;
        waiters.Wake("a");
        Assert.Same(Lease, await waitA.WaitAsync(TimeSpan.FromSeconds(10), Token));
        Assert.Equal((2, 1), (a.Count, b.Count));

        b.Free = true;
        waiters.WakeAll();
        Assert.Same(Lease, await waitB.WaitAsync(TimeSpan.FromSeconds(10), Token));
        Assert.Equal(0, waiters.WaitingKeys);
    }

    [Fact]
    public async Task The_backup_recheck_never_outlasts_the_holders_remaining_time()
    {
        var clock = new FakeTimeProvider();
        var waiters = new SessionLeaseWaiters(clock);
        var attempts = new Attempts(holderRemaining: TimeSpan.FromMilliseconds(50));
        var wait = waiters.AcquireAsync("a", TimeSpan.FromMinutes(1), attempts.TryAsync, Token);

        // The first backup delay is at least 187 ms; the holder's 50 ms (+5 ms) come first.
        attempts.Free = true;
        clock.Advance(TimeSpan.FromMilliseconds(56));

        Assert.Same(Lease, await wait.WaitAsync(TimeSpan.FromSeconds(10), Token));
        Assert.Equal(2, attempts.Count);
    }

    [Fact]
    public async Task A_wait_that_runs_out_returns_null_after_a_last_attempt_and_leaves_nothing_registered()
    {
        var clock = new FakeTimeProvider();
        var waiters = new SessionLeaseWaiters(clock);
        var attempts = new Attempts();
        var wait = waiters.AcquireAsync("a", TimeSpan.FromMilliseconds(100), attempts.TryAsync, Token);

        clock.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Null(await wait.WaitAsync(TimeSpan.FromSeconds(10), Token));
        Assert.Equal(2, attempts.Count);
        Assert.Equal(0, waiters.WaitingKeys);
    }

    [Fact]
    public async Task A_cancelled_wait_throws_and_leaves_nothing_registered()
    {
        var waiters = new SessionLeaseWaiters(new FakeTimeProvider());
        using var cancellation = new CancellationTokenSource();
        var wait = waiters.AcquireAsync("a", TimeSpan.FromMinutes(1), new Attempts().TryAsync, cancellation.Token);
        Assert.Equal(1, waiters.WaitingKeys);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TimeSpan.FromSeconds(10), Token));
        Assert.Equal(0, waiters.WaitingKeys);
    }
}
