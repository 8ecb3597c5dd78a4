using System;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Mongo.Tests;

/// <summary>
/// What the store does before and without a server: argument checks come first (no I/O), and the caller's cancellation
/// stays a cancellation. The shared suites check the same with a server (<see cref="MongoConformance"/>); options,
/// registration and an unreachable server are theirs too (<see cref="MongoRegistrationTests"/>,
/// <see cref="MongoFailureConformance"/>).
/// </summary>
public sealed class MongoStoreWithoutServerTests
{
    // Port 1 on loopback: nothing listens there, so server selection fails fast.
    private const string Unreachable = MongoFixture.Unreachable;

    private static MongoSessionStore Store() => new(new MongoSessionStoreOptions { ConnectionString = Unreachable, CollectionName = "c" });

    [Fact]
    public async Task Invalid_arguments_are_rejected_before_any_io()
    {
        using var store = Store();
        var ct = TestContext.Current.CancellationToken;

        // Each would otherwise wait for server selection and fail with SessionStoreException.
        await Assert.ThrowsAsync<ArgumentException>(() => store.GetAsync("not valid", ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.GetAsync(null!, ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.TouchAsync("a", TimeSpan.Zero, ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.SetAsync("a", new SessionWrite(new byte[1], TimeSpan.FromDays(401)), ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SetAsync("a", new SessionWrite(new byte[SessionLimits.DefaultMaxDataBytes + 1], TimeSpan.FromMinutes(1)), ct));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.ListAsync(SessionQuery.All with { PageSize = 0 }, ct));
    }

    [Fact]
    public async Task Caller_cancellation_surfaces_as_OperationCanceledException()
    {
        using var store = Store();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetAsync("abc", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.SetAsync("abc", new SessionWrite(new byte[1], TimeSpan.FromMinutes(1)), cancelled.Token));
    }
}
