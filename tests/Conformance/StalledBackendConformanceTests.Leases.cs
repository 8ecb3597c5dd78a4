using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Conformance;

// The deadline rule for the optional ISessionLeaseStore operations: on a stalled backend each round trip of
// AcquireLease, RenewLease and ReleaseLease ends within the operation timeout (a waiting AcquireLease within its wait
// plus the timeout) with a transient SessionStoreException, and leases work again once the backend answers.
public abstract partial class StalledBackendConformanceTests<TFixture>
{
    /// <summary>How long the waiting acquisition of the suite may wait.</summary>
    protected static readonly TimeSpan LeaseWait = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan SuiteLease = TimeSpan.FromSeconds(60);

    /// <summary>The lease operations, each asserted on its own.</summary>
    public static TheoryData<string> LeaseOperations { get; } = ["acquire", "acquire_waiting", "renew", "release"];

    /// <summary>Every lease operation of a warmed-up store (lease held, waiters' wake-up source started) times out on a
    /// stalled backend; a waiting acquisition within its wait plus the deadline.</summary>
    /// <param name="operation">The operation.</param>
    /// <returns>A task.</returns>
    [Theory]
    [MemberData(nameof(LeaseOperations))]
    public async Task A_lease_operation_on_a_stalled_backend_throws_a_transient_timeout_within_the_deadline_and_recovers_after_resume(string operation)
    {
        var store = await CreateStallableStoreAsync();
        if (store is not ISessionLeaseStore leases)
        {
            Assert.Skip($"{store.GetType().Name} does not implement ISessionLeaseStore (an optional capability).");
            return;
        }

        var id = NewId();
        await WarmUpAsync(store, id, subject: null);

        // A waiting acquisition of a free lease: makes the lease storage ready and starts the waiters' wake-up source.
        var held = await WarmUpLeaseAsync(leases, id);
        var free = NewId();

        await Fixture.PauseAsync(Token);
        try
        {
            var bound = operation == "acquire_waiting" ? LeaseWait + Bound : Bound;
            await AssertTimesOutAsync(() => RunLeaseAsync(leases, operation, held, free), operation, bound);
        }
        finally
        {
            Fixture.Resume();
        }

        await AssertRecoversAsync(store, id);
        await AssertLeasesRecoverAsync(leases);
    }

    private static async Task<SessionLease> WarmUpLeaseAsync(ISessionLeaseStore leases, string id)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var lease = await leases.AcquireLeaseAsync(id, SuiteLease, TimeSpan.FromMilliseconds(100), Token);
                Assert.True(lease is not null, $"The lease on a fresh id {id} should have been free.");
                return lease;
            }
            catch (SessionStoreException) when (elapsed.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50, Token);
            }
        }
    }

    private static async Task RunLeaseAsync(ISessionLeaseStore leases, string operation, SessionLease held, string free)
    {
        switch (operation)
        {
            case "acquire": await leases.AcquireLeaseAsync(free, SuiteLease, TimeSpan.Zero, Token); break;
            case "acquire_waiting": await leases.AcquireLeaseAsync(free, SuiteLease, LeaseWait, Token); break;
            case "renew": await leases.RenewLeaseAsync(held, SuiteLease, Token); break;
            default: await leases.ReleaseLeaseAsync(held, Token); break;
        }
    }

    // The calls abandoned during the stall may still reach the backend after it resumes, so recovery is checked on an id
    // none of them touched: acquire, renew and release it.
    private static async Task AssertLeasesRecoverAsync(ISessionLeaseStore leases)
    {
        var id = NewId();
        var elapsed = Stopwatch.StartNew();
        Exception? last = null;
        while (true)
        {
            try
            {
                var lease = await leases.AcquireLeaseAsync(id, SuiteLease, TimeSpan.Zero, Token);
                Assert.True(lease is not null, $"The lease on a fresh id {id} should have been free after the backend resumed.");
                Assert.True(await leases.RenewLeaseAsync(lease, SuiteLease, Token), "A lease just taken could not be renewed.");
                Assert.True(await leases.ReleaseLeaseAsync(lease, Token), "A lease just taken could not be released.");
                return;
            }
            catch (SessionStoreException ex)
            {
                last = ex;
            }

            Assert.True(elapsed.Elapsed <= RecoveryBound, $"Leases did not work again within {RecoveryBound.TotalSeconds} s after the backend resumed: {last}");
            await Task.Delay(20, Token);
        }
    }
}
