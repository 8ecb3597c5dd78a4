using System;
using System.Threading.Tasks;
using Xunit;

#pragma warning disable CS1591

namespace SessionStores.Conformance;

// The failure rule for the optional lease capability (ISessionLeaseStore), where the store has it.
public abstract partial class FailureConformanceTests<TFixture>
{
    [Fact]
    public async Task Leases_against_an_unreachable_backend_fail_on_bad_input_first_and_transiently_on_good_input()
    {
        if (await UnreachableAsync() is not ISessionLeaseStore store)
        {
            Assert.Skip("The store does not implement ISessionLeaseStore (an optional capability).");
            return;
        }

        var lease = new SessionLease(NewId(), "owner", 1);

        // Validation runs before any I/O: an argument error, not a connection error.
        await Assert.ThrowsAsync<ArgumentException>(() => store.AcquireLeaseAsync("../x", TimeSpan.FromSeconds(60), TimeSpan.Zero, Token));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.AcquireLeaseAsync(NewId(), TimeSpan.Zero, TimeSpan.Zero, Token));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.RenewLeaseAsync(lease, SessionLimits.MaxLeaseDuration + TimeSpan.FromTicks(1), Token));

        var acquire = await Assert.ThrowsAsync<SessionStoreException>(() => store.AcquireLeaseAsync(NewId(), TimeSpan.FromSeconds(60), TimeSpan.Zero, Token));
        Assert.True(acquire.IsTransient);
        Assert.NotNull(acquire.InnerException);
        Assert.True((await Assert.ThrowsAsync<SessionStoreException>(() => store.RenewLeaseAsync(lease, TimeSpan.FromSeconds(60), Token))).IsTransient);
        Assert.True((await Assert.ThrowsAsync<SessionStoreException>(() => store.ReleaseLeaseAsync(lease, Token))).IsTransient);
    }
}
