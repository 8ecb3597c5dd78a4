using System;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.SqlServer.Tests;

/// <summary>
/// What the store does before and without a server: argument checks come first (no I/O), pruning reports an unreachable
/// server to its caller (SqlClient really tries to connect to a closed port; nothing is mocked), and the caller's
/// cancellation stays a cancellation. The shared suites check the rest with a server (<see cref="SqlServerConformance"/>);
/// options, registration and an unreachable server are theirs too (<see cref="SqlServerRegistrationTests"/>,
/// <see cref="SqlServerFailureConformance"/>).
/// </summary>
public sealed class SqlServerStoreWithoutServerTests
{
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    private const string Unreachable = SqlServerFixture.Unreachable;

    private static SqlServerSessionStore Store() => new(new SqlServerSessionStoreOptions { ConnectionString = Unreachable, PruneInterval = null });

    [Fact]
    public async Task Invalid_arguments_are_rejected_before_any_io()
    {
        await using var store = Store();
        var ct = TestContext.Current.CancellationToken;

        await Assert.ThrowsAsync<ArgumentException>(() => store.GetAsync("no/slashes", ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.DestroyAsync("x'; DROP TABLE t; --", ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.GetAndTouchAsync(null!, TimeSpan.FromMinutes(1), ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.TouchAsync("a", TimeSpan.FromTicks(-1), ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.SetAsync("a", new SessionWrite(new byte[1], TimeSpan.FromMinutes(1), expectedVersion: -1), ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.CountAsync(SessionQuery.All with { Subject = "" }, ct));
    }

    [Fact]
    public async Task Pruning_against_an_unreachable_server_throws_to_its_caller()
    {
        await using var store = Store();

        await Assert.ThrowsAsync<SessionStoreException>(() => store.PruneAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Caller_cancellation_surfaces_as_OperationCanceledException()
    {
        await using var store = Store();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetAsync("abc", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.SetAsync("abc", new SessionWrite(new byte[1], TimeSpan.FromMinutes(1)), cancelled.Token));
    }
}
