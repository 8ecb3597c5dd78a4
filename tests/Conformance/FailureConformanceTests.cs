using System;
using System.Threading.Tasks;
using Xunit;

#pragma warning disable CS1591

namespace SessionStores.Conformance;

// The failure rule (DESIGN.md, "Failures"): one exception family, transient for a backend that does not answer,
// wrapping the driver's error; nothing swallowed. Each operation is asserted on its own store, so that a store that
// fails fast after its first failure (a cached broken connection) is still asked about every operation.
public abstract partial class FailureConformanceTests<TFixture>
{
    private async Task<ISessionStore> UnreachableAsync(int maxDataBytes = SessionLimits.DefaultMaxDataBytes)
    {
        if (Fixture.NoUnreachableBackendReason is { } reason)
        {
            Assert.Skip($"The store has no backend that can become unreachable: {reason}");
        }

        return Track(await Fixture.CreateUnreachableStoreAsync(new ConformanceStoreOptions(NewNamespace()) { MaxDataBytes = maxDataBytes }, Token));
    }

    public static TheoryData<string> Operations { get; } =
        ["get", "get_and_touch", "touch", "set", "compare_and_set", "destroy", "list", "count", "destroy_many"];

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task An_unreachable_backend_gives_a_transient_SessionStoreException_wrapping_the_driver_error(string operation)
    {
        Requires(operation switch
        {
            "compare_and_set" => ConformanceCapabilities.CompareAndSet,
            "list" or "count" => ConformanceCapabilities.Listing,
            "destroy_many" => ConformanceCapabilities.Listing | ConformanceCapabilities.Subjects,
            _ => ConformanceCapabilities.None,
        });
        var store = await UnreachableAsync();
        var id = NewId();

        var ex = await Assert.ThrowsAsync<SessionStoreException>(async () =>
        {
            switch (operation)
            {
                case "get": await store.GetAsync(id, Token); break;
                case "get_and_touch": await store.GetAndTouchAsync(id, LongTtl, Token); break;
                case "touch": await store.TouchAsync(id, LongTtl, Token); break;
                case "set": await store.SetAsync(id, Write(Data("x")), Token); break;
                case "compare_and_set": await store.SetAsync(id, Write(Data("x"), expectedVersion: 0), Token); break;
                case "destroy": await store.DestroyAsync(id, Token); break;
                case "list": await ListAllAsync(store, SessionQuery.All); break;
                case "count": await store.CountAsync(SessionQuery.All, Token); break;
                default: await store.DestroyManyAsync(SessionQuery.ForSubject("alice"), Token); break;
            }
        });

        Assert.True(ex.IsTransient, $"{operation}: {ex}");
        Assert.NotNull(ex.InnerException);
        Assert.IsNotType<SessionDataCorruptedException>(ex);

        // The id is a bearer secret: neither the message nor the driver's error inside it (as a log prints them) holds it.
        Assert.DoesNotContain(id, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_fails_before_any_io_even_when_the_backend_is_unreachable()
    {
        var store = await UnreachableAsync(maxDataBytes: 16);

        await ExpectAsync<ArgumentException>("GetAsync with an invalid id", () => store.GetAsync("../etc/passwd", Token));
        await ExpectAsync<ArgumentOutOfRangeException>("SetAsync with a zero TTL", () => store.SetAsync(NewId(), Write(Data("x"), TimeSpan.Zero), Token));
        await ExpectAnyAsync<ArgumentException>("SetAsync over MaxDataBytes", () => store.SetAsync(NewId(), Write(Data(17)), Token));
    }
}
