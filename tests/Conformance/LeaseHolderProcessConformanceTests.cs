using System;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Conformance;

/// <summary>
/// The lease of a holder that dies: a second process takes a lease and is killed with SIGKILL; the lease is then taken
/// within its duration (at once where the lock dies with the process). Only for fixtures that can start that process
/// (<see cref="ILeaseHolderProcessFixture"/>) and stores with leases.
/// <c>public sealed class MyLeaseHolderProcessConformance(MyFixture f) : LeaseHolderProcessConformanceTests&lt;MyFixture&gt;(f);</c>
/// </summary>
/// <typeparam name="TFixture">The fixture that creates the store and the holder process.</typeparam>
public abstract class LeaseHolderProcessConformanceTests<TFixture> : ConformanceTestBase<TFixture>
    where TFixture : class, ILeaseHolderProcessFixture
{
    /// <summary>Creates the suite.</summary>
    /// <param name="fixture">The fixture.</param>
    protected LeaseHolderProcessConformanceTests(TFixture fixture)
        : base(fixture)
    {
    }

    private static TimeSpan LongLease => LeaseConformanceTests<TFixture>.LongLease;

    private static TimeSpan WakeBound => LeaseConformanceTests<TFixture>.WakeBound;

    private static Task AssertHeldAsync(ISessionLeaseStore store, string id) => LeaseConformanceTests<TFixture>.AssertHeldAsync(store, id);

    /// <summary>A SIGKILLed holder's lease is taken within its duration, with a greater fence.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task A_lease_whose_holder_process_was_killed_can_be_taken_within_the_lease_duration()
    {
        var processes = Fixture;
        var options = new ConformanceStoreOptions(NewNamespace());
        if (Track(await Fixture.CreateStoreAsync(options, Token)) is not ISessionLeaseStore store)
        {
            Assert.Skip("The store does not implement ISessionLeaseStore (an optional capability).");
            return;
        }

        // A lease that dies with its process is held for long (the test must not end by expiry); else a short one.
        var duration = processes.LeaseEndsWithHolderProcess ? LongLease : TimeSpan.FromSeconds(3);
        var id = NewId();
        using var holder = await processes.StartLeaseHolderAsync(options, id, duration, Token);
        long heldFence;
        try
        {
            var line = await holder.StandardOutput.ReadLineAsync(Token).AsTask().WaitAsync(TimeSpan.FromSeconds(60), Token);
            Assert.True(line is not null && line.StartsWith("held ", StringComparison.Ordinal), $"the holder process said '{line}'");
            heldFence = long.Parse(line["held ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            await AssertHeldAsync(store, id);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
        }

        await holder.WaitForExitAsync(Token);
        var taken = await store.AcquireLeaseAsync(id, LongLease, processes.LeaseEndsWithHolderProcess ? WakeBound : duration + WakeBound, Token);

        Assert.NotNull(taken);
        Assert.True(taken.Fence > heldFence, $"fence {taken.Fence} after the killed holder's {heldFence}");
    }
}
