using System;
using System.Threading.Tasks;
using Xunit;

#pragma warning disable CS1591

namespace SessionStores.Conformance;

// Bad input is rejected with argument exceptions before any I/O; a backend that cannot be reached fails transiently.
public abstract partial class LeaseConformanceTests<TFixture>
{
    public static TheoryData<string> BadIds { get; } = ["", "a b", "../x", "a/b", "a\nb", "a{b}", "a*", new string('a', SessionLimits.MaxIdLength + 1)];

    [Theory]
    [MemberData(nameof(BadIds))]
    public async Task An_invalid_id_is_rejected_with_ArgumentException(string id)
    {
        var (_, store) = await CreateLeaseStoreAsync();
        var forged = new SessionLease(id, "owner", 1);

        await Assert.ThrowsAsync<ArgumentException>(() => store.AcquireLeaseAsync(id, LongLease, TimeSpan.Zero, Token));
        await Assert.ThrowsAsync<ArgumentException>(() => store.RenewLeaseAsync(forged, LongLease, Token));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ReleaseLeaseAsync(forged, Token));
    }

    [Fact]
    public async Task Null_arguments_are_rejected_with_ArgumentNullException()
    {
        var (_, store) = await CreateLeaseStoreAsync();

        await Assert.ThrowsAsync<ArgumentNullException>(() => store.AcquireLeaseAsync(null!, LongLease, TimeSpan.Zero, Token));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.RenewLeaseAsync(null!, LongLease, Token));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.ReleaseLeaseAsync(null!, Token));
    }

    public static TheoryData<long> BadDurationsMs { get; } = [0, -1, (long)SessionLimits.MaxLeaseDuration.TotalMilliseconds + 1];

    [Theory]
    [MemberData(nameof(BadDurationsMs))]
    public async Task A_duration_out_of_range_is_rejected_with_ArgumentOutOfRangeException(long durationMs)
    {
        var (_, store) = await CreateLeaseStoreAsync();
        var id = NewId();
        var duration = TimeSpan.FromMilliseconds(durationMs);
        var lease = await AcquireFreeAsync(store, id);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.AcquireLeaseAsync(NewId(), duration, TimeSpan.Zero, Token));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.RenewLeaseAsync(lease, duration, Token));

        // Nothing was changed by the rejected renewal.
        await AssertHeldAsync(store, id);
    }

    [Fact]
    public async Task A_negative_wait_is_rejected_with_ArgumentOutOfRangeException()
    {
        var (_, store) = await CreateLeaseStoreAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.AcquireLeaseAsync(NewId(), LongLease, TimeSpan.FromMilliseconds(-1), Token));
    }
}
