using System;
using System.Threading.Tasks;
using Xunit;

#pragma warning disable CS1591

namespace SessionStores.Conformance;

// The store removes expired records itself (ConformanceCapabilities.RemovesExpiredRecords): hiding them from reads is
// not enough, or the backend fills with sessions nobody will read again. Checked behind the store's back, through the
// fixture's view of the raw backend (IBackendInspectionFixture).
public abstract partial class SessionStoreConformanceTests<TFixture>
{
    [Fact]
    public async Task Expired_records_are_removed_from_the_backend_by_the_store_itself()
    {
        Requires(ConformanceCapabilities.RemovesExpiredRecords);
        RequiresNo(ConformanceFormatLimits.ExpiryFromData);
        if (Fixture is not IBackendInspectionFixture inspection)
        {
            Assert.Fail(
                "The fixture declares ConformanceCapabilities.RemovesExpiredRecords but does not implement IBackendInspectionFixture: " +
                "implement it (how to count the records the backend holds, how to run the store's cleanup) or leave the flag out of Capabilities.");
            return;
        }

        var options = new ConformanceStoreOptions(NewNamespace());
        var store = await CreateStoreAsync(options);
        var expiring = NewId();
        var live = NewId();
        string[] ids = [expiring, live];
        await SetOkAsync(store, expiring, Write(Data("short"), ShortTtl));
        await SetOkAsync(store, live, Write(Data("long")));

        // The view must see what the store wrote, or the check below could pass on a view that sees nothing.
        Assert.True(
            await inspection.CountHeldRecordsAsync(store, options, ids, Token) == 2,
            "CountHeldRecordsAsync before expiry: the backend should hold the 2 records just written");

        await PastShortTtl();
        await inspection.RunCleanupAsync(store, options, Token);

        var held = await inspection.CountHeldRecordsAsync(store, options, ids, Token);
        Assert.True(held == 1, $"CountHeldRecordsAsync after expiry and RunCleanupAsync: the backend holds {held} records, expected 1 (the live one); an expired record was left behind");
        Assert.Equal(Data("long"), (await store.GetAsync(live, Token))!.Data.ToArray());
    }
}
