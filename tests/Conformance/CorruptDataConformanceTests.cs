using System;
using System.Threading.Tasks;
using Xunit;

#pragma warning disable CS1591

namespace SessionStores.Conformance;

// The one corrupt-data policy (see SessionDataCorruptedException): reads report it (the id in SessionId, its tag in the message) and change nothing;
// destroy and an unconditional set recover.
public abstract partial class CorruptDataConformanceTests<TFixture>
{
    private async Task<(ISessionStore Store, string Id)> CreateStoreWithCorruptRecordAsync()
    {
        var options = new ConformanceStoreOptions(NewNamespace());
        var store = await CreateStoreAsync(options);
        var id = NewId();
        await Fixture.WriteCorruptRecordAsync(store, options, id, Token);
        return (store, id);
    }

    [Fact]
    public async Task Get_reports_a_corrupt_record_naming_its_id()
    {
        var (store, id) = await CreateStoreWithCorruptRecordAsync();

        var ex = await Assert.ThrowsAsync<SessionDataCorruptedException>(() => store.GetAsync(id, Token));

        Assert.Equal(id, ex.SessionId);
        Assert.False(ex.IsTransient);
        Assert.DoesNotContain(id, ex.Message, StringComparison.Ordinal);
        Assert.Contains(SessionValidation.Tag(id), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAndTouch_reports_a_corrupt_record()
    {
        var (store, id) = await CreateStoreWithCorruptRecordAsync();

        await Assert.ThrowsAsync<SessionDataCorruptedException>(() => store.GetAndTouchAsync(id, TimeSpan.FromMinutes(5), Token));
    }

    [Fact]
    public async Task Compare_and_set_reports_a_corrupt_record_and_writes_nothing()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var (store, id) = await CreateStoreWithCorruptRecordAsync();

        await ExpectAsync<SessionDataCorruptedException>("SetAsync expecting version 1", () => store.SetAsync(id, new SessionWrite(Data("1"), TimeSpan.FromMinutes(5), expectedVersion: 1), Token));
        await ExpectAsync<SessionDataCorruptedException>("SetAsync create-only (expecting version 0)", () => store.SetAsync(id, new SessionWrite(Data("1"), TimeSpan.FromMinutes(5), expectedVersion: 0), Token));

        await ExpectAsync<SessionDataCorruptedException>("GetAsync after the refused writes", () => store.GetAsync(id, Token));
    }

    [Fact]
    public async Task Touch_reports_a_corrupt_record_and_changes_nothing()
    {
        var (store, id) = await CreateStoreWithCorruptRecordAsync();

        await ExpectAsync<SessionDataCorruptedException>("TouchAsync", () => store.TouchAsync(id, TimeSpan.FromMinutes(5), Token));

        await ExpectAsync<SessionDataCorruptedException>("GetAsync after the refused touch", () => store.GetAsync(id, Token));
    }

    [Fact]
    public async Task Listing_reports_a_corrupt_record()
    {
        Requires(ConformanceCapabilities.Listing);
        var (store, _) = await CreateStoreWithCorruptRecordAsync();

        await Assert.ThrowsAsync<SessionDataCorruptedException>(async () => await ListAllAsync(store, SessionQuery.All with { IncludeData = true }));
    }

    [Fact]
    public async Task Count_does_not_fail_on_a_corrupt_record()
    {
        Requires(ConformanceCapabilities.Subjects | ConformanceCapabilities.Listing);
        // The policy lets Count count a corrupt record or not (a backend may count without decoding), but never fail
        var (store, _) = await CreateStoreWithCorruptRecordAsync();
        await store.SetAsync("live-beside-corrupt", new SessionWrite(Data("1"), TimeSpan.FromMinutes(5), "someone"), Token);

        Assert.InRange(await store.CountAsync(SessionQuery.All, Token), 1, 2);
        Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject("someone"), Token));
    }

    [Fact]
    public async Task Destroy_removes_a_corrupt_record()
    {
        var (store, id) = await CreateStoreWithCorruptRecordAsync();

        Assert.True(await store.DestroyAsync(id, Token));

        Assert.Null(await store.GetAsync(id, Token));
        Assert.False(await store.DestroyAsync(id, Token));
    }

    [Fact]
    public async Task DestroyMany_removes_a_corrupt_record()
    {
        Requires(ConformanceCapabilities.Listing);
        var (store, id) = await CreateStoreWithCorruptRecordAsync();

        Assert.Equal(1, await store.DestroyManyAsync(SessionQuery.All, Token));

        Assert.Null(await store.GetAsync(id, Token));
    }

    [Fact]
    public async Task An_unconditional_set_replaces_a_corrupt_record_as_a_new_session()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var (store, id) = await CreateStoreWithCorruptRecordAsync();

        var result = await store.SetAsync(id, new SessionWrite(Data("42"), TimeSpan.FromMinutes(5)), Token);

        Assert.True(result.Succeeded);
        Assert.Equal(1, result.Version);
        var record = await store.GetAsync(id, Token);
        Assert.Equal(Data("42"), record!.Data.ToArray());
    }
}
