using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

#pragma warning disable CS1591

namespace SessionStores.Conformance;

// ISessionLeaseStore's contract (its doc comment): exclusive, woken not polled, expiring, fenced, apart from the sessions.
public abstract partial class LeaseConformanceTests<TFixture>
{
    [Fact]
    public async Task A_held_lease_is_exclusive_and_other_ids_are_independent()
    {
        var (_, store) = await CreateLeaseStoreAsync();
        var id = NewId();

        var lease = await AcquireFreeAsync(store, id);

        await AssertHeldAsync(store, id);
        var other = await AcquireFreeAsync(store, NewId());
        Assert.NotEqual(lease.Owner, other.Owner);
    }

    [Fact]
    public async Task A_released_lease_can_be_taken_again_with_a_greater_fence()
    {
        var (_, store) = await CreateLeaseStoreAsync();
        var id = NewId();
        var first = await AcquireFreeAsync(store, id);

        Assert.True(await store.ReleaseLeaseAsync(first, Token));
        var second = await AcquireFreeAsync(store, id);

        Assert.True(second.Fence > first.Fence, $"fence {second.Fence} after {first.Fence}");
        Assert.False(await store.ReleaseLeaseAsync(first, Token), "a lease released once is no longer held");
        await AssertHeldAsync(store, id);
    }

    [Fact]
    public async Task A_waiter_is_woken_by_the_release_long_before_the_lease_would_expire()
    {
        var (_, store) = await CreateLeaseStoreAsync();
        var id = NewId();
        var holder = await AcquireFreeAsync(store, id, LongLease);

        var waiter = store.AcquireLeaseAsync(id, LongLease, LongLease, Token);
        await Task.WhenAny(waiter, Task.Delay(300, Token));
        Assert.False(waiter.IsCompleted, "the waiter must wait while the lease is held");
        Assert.True(await store.ReleaseLeaseAsync(holder, Token));

        // Well within the 60 s lease: the release ended the wait, not the expiry.
        var taken = await waiter.WaitAsync(WakeBound, Token);
        Assert.NotNull(taken);
        Assert.True(taken.Fence > holder.Fence);
    }

    [Fact]
    public async Task A_waiter_whose_wait_ends_first_gets_null()
    {
        var (_, store) = await CreateLeaseStoreAsync();
        var id = NewId();
        await AcquireFreeAsync(store, id);

        var lease = await store.AcquireLeaseAsync(id, LongLease, TimeSpan.FromMilliseconds(400), Token);

        Assert.Null(lease);
    }

    [Fact]
    public async Task A_lease_not_released_expires_and_can_then_be_taken()
    {
        var (_, store) = await CreateLeaseStoreAsync();
        var id = NewId();
        var abandoned = await AcquireFreeAsync(store, id, TimeSpan.FromSeconds(1));
        await AssertHeldAsync(store, id);

        var taken = await store.AcquireLeaseAsync(id, LongLease, WakeBound, Token);

        Assert.NotNull(taken);
        Assert.True(taken.Fence > abandoned.Fence, $"fence {taken.Fence} after {abandoned.Fence}");
    }

    [Fact]
    public async Task Fences_grow_strictly_across_releases_and_expiries()
    {
        var (_, store) = await CreateLeaseStoreAsync();
        var id = NewId();
        var fences = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            var lease = await store.AcquireLeaseAsync(id, TimeSpan.FromMilliseconds(250), WakeBound, Token);
            Assert.NotNull(lease);
            fences.Add(lease.Fence);
            if (i % 2 == 0)
            {
                Assert.True(await store.ReleaseLeaseAsync(lease, Token));
            }

            // Odd rounds leave the lease to expire; the next round waits for that.
        }

        for (var i = 1; i < fences.Count; i++)
        {
            Assert.True(fences[i] > fences[i - 1], $"fences {string.Join(", ", fences)}");
        }
    }

    [Fact]
    public async Task Renew_extends_a_lease_past_its_first_duration()
    {
        var (_, store) = await CreateLeaseStoreAsync();
        var id = NewId();
        var lease = await AcquireFreeAsync(store, id, TimeSpan.FromSeconds(2));

        Assert.True(await store.RenewLeaseAsync(lease, LongLease, Token));

        // Waiting well past the first 2 s: the renewed lease is still held.
        Assert.Null(await store.AcquireLeaseAsync(id, LongLease, TimeSpan.FromSeconds(3), Token));
        Assert.True(await store.ReleaseLeaseAsync(lease, Token));
    }

    [Fact]
    public async Task Renew_and_release_of_an_expired_lease_taken_by_another_return_false_and_leave_the_new_holder_alone()
    {
        var (_, store) = await CreateLeaseStoreAsync();
        var id = NewId();
        var stale = await AcquireFreeAsync(store, id, TimeSpan.FromMilliseconds(300));
        var current = await store.AcquireLeaseAsync(id, LongLease, WakeBound, Token);
        Assert.NotNull(current);

        Assert.False(await store.RenewLeaseAsync(stale, LongLease, Token));
        Assert.False(await store.ReleaseLeaseAsync(stale, Token));

        await AssertHeldAsync(store, id);
        Assert.True(await store.RenewLeaseAsync(current, LongLease, Token));
        Assert.True(await store.ReleaseLeaseAsync(current, Token));
    }

    [Fact]
    public async Task Renew_of_an_expired_lease_nobody_took_returns_false()
    {
        var (_, store) = await CreateLeaseStoreAsync();
        var id = NewId();
        var lease = await AcquireFreeAsync(store, id, TimeSpan.FromMilliseconds(200));

        // Poll (bounded) until the lease has expired: an attempt without waiting then succeeds.
        SessionLease? next = null;
        var deadline = DateTime.UtcNow + WakeBound;
        while (next is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Token);
            next = await store.AcquireLeaseAsync(id, LongLease, TimeSpan.Zero, Token);
        }

        Assert.NotNull(next);
        Assert.False(await store.RenewLeaseAsync(lease, LongLease, Token));
    }

    [Fact]
    public async Task Many_concurrent_acquirers_never_hold_the_lease_at_once()
    {
        const int Tasks = 20;
        const int Rounds = 5;
        var (_, store) = await CreateLeaseStoreAsync();
        var id = NewId();
        var holders = 0;
        var maxHolders = 0;
        var fences = new List<long>();

        async Task RunAsync()
        {
            for (var round = 0; round < Rounds; round++)
            {
                var lease = await store.AcquireLeaseAsync(id, LongLease, TimeSpan.FromSeconds(120), Token);
                Assert.NotNull(lease);
                var now = Interlocked.Increment(ref holders);
                InterlockedMax(ref maxHolders, now);
                lock (fences)
                {
                    fences.Add(lease.Fence);
                }

                await Task.Yield();
                Interlocked.Decrement(ref holders);
                Assert.True(await store.ReleaseLeaseAsync(lease, Token));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(_ => Task.Run(RunAsync, Token)));

        Assert.Equal(1, maxHolders);
        Assert.Equal(Tasks * Rounds, fences.Count);

        // Recorded while held, so in the order of holding: each holder's fence beats the one before.
        for (var i = 1; i < fences.Count; i++)
        {
            Assert.True(fences[i] > fences[i - 1], $"fence {fences[i]} after {fences[i - 1]}");
        }
    }

    [Fact]
    public async Task A_cancelled_wait_throws_OperationCanceledException()
    {
        var (_, store) = await CreateLeaseStoreAsync();
        var id = NewId();
        await AcquireFreeAsync(store, id);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancellation.CancelAfter(300);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.AcquireLeaseAsync(id, LongLease, LongLease, cancellation.Token));
    }

    [Fact]
    public async Task Leases_never_appear_in_listings_and_outlive_DestroyMany()
    {
        Requires(ConformanceCapabilities.Listing);
        var (sessions, store) = await CreateLeaseStoreAsync();
        var withSession = NewId();
        var leaseOnly = NewId();
        await SetOkAsync(sessions, withSession, Write(Bytes("a")));
        var first = await AcquireFreeAsync(store, withSession);
        var second = await AcquireFreeAsync(store, leaseOnly);

        Assert.Equal(1, await sessions.CountAsync(SessionQuery.All, Token));
        Assert.Equal([withSession], (await ListAllAsync(sessions, SessionQuery.All)).Select(s => s.Id));
        Assert.Null(await sessions.GetAsync(leaseOnly, Token));

        Assert.Equal(1, await sessions.DestroyManyAsync(SessionQuery.All, Token));
        Assert.False(await sessions.DestroyAsync(leaseOnly, Token));

        await AssertHeldAsync(store, withSession);
        await AssertHeldAsync(store, leaseOnly);
        Assert.True(await store.ReleaseLeaseAsync(first, Token));
        Assert.True(await store.ReleaseLeaseAsync(second, Token));
        Assert.Equal(0, await sessions.CountAsync(SessionQuery.All, Token));
    }

    [Fact]
    public async Task A_lease_is_independent_of_its_session()
    {
        var (sessions, store) = await CreateLeaseStoreAsync();
        var id = NewId();
        var lease = await AcquireFreeAsync(store, id);

        await SetOkAsync(sessions, id, Write(Bytes("x")));
        Assert.True(await sessions.DestroyAsync(id, Token));

        await AssertHeldAsync(store, id);
        Assert.True(await store.ReleaseLeaseAsync(lease, Token));
    }

    [Fact]
    public async Task A_lease_with_a_forged_owner_is_neither_renewed_nor_released()
    {
        var (_, store) = await CreateLeaseStoreAsync();
        var id = NewId();
        var lease = await AcquireFreeAsync(store, id);
        var forged = lease with { Owner = "someone-else" };

        Assert.False(await store.RenewLeaseAsync(forged, LongLease, Token));
        Assert.False(await store.ReleaseLeaseAsync(forged, Token));

        await AssertHeldAsync(store, id);
        Assert.True(await store.ReleaseLeaseAsync(lease, Token));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
