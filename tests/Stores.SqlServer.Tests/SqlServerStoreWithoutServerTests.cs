using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace SessionStores.SqlServer.Tests;

/// <summary>
/// What the store does before and without a server: argument checks come first (no I/O), options are validated, and
/// an unreachable server surfaces as a transient <see cref="SessionStoreException"/> (SqlClient really tries to connect
/// to a closed port; nothing is mocked).
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
    public async Task An_unreachable_server_surfaces_as_a_transient_SessionStoreException()
    {
        await using var store = Store();

        var ex = await Assert.ThrowsAsync<SessionStoreException>(() => store.GetAsync("abc", TestContext.Current.CancellationToken));

        Assert.True(ex.IsTransient);
        Assert.IsType<Microsoft.Data.SqlClient.SqlException>(ex.InnerException);
    }

    [Fact]
    public async Task Pruning_against_an_unreachable_server_throws_to_its_caller()
    {
        await using var store = Store();

        await Assert.ThrowsAsync<SessionStoreException>(() => store.PruneExpiredAsync(TestContext.Current.CancellationToken));
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

    [Fact]
    public void Invalid_options_are_rejected_naming_the_setting()
    {
        var cases = new Action<SqlServerSessionStoreOptions>[]
        {
            o => o.ConnectionString = null,
            o => o.TableName = "",
            o => o.TableName = new string('t', 101),
            o => o.SchemaName = "bad\u0001",
            o => o.PruneBatchSize = 5_000,
            o => o.PruneInterval = TimeSpan.Zero,
            o => o.PruneInterval = TimeSpan.FromDays(60),
            o => o.CommandTimeout = TimeSpan.Zero,
        };

        foreach (var change in cases)
        {
            var options = new SqlServerSessionStoreOptions { ConnectionString = Unreachable, PruneInterval = null };
            change(options);
            var ex = Assert.Throws<ArgumentException>(() => new SqlServerSessionStore(options));
            Assert.Contains("SqlServerSessionStoreOptions.", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_DI_extension_validates_on_start_and_registers_one_store()
    {
        var invalid = new ServiceCollection().AddSqlServerSessionStore(o =>
        {
            o.ConnectionString = Unreachable;
            o.TableName = "";
        });
        await using (var provider = invalid.BuildServiceProvider())
        {
            var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SqlServerSessionStoreOptions>>().Value);
            Assert.Contains("TableName", ex.Message, StringComparison.Ordinal);
        }

        var services = new ServiceCollection();
        services.AddSqlServerSessionStore(o =>
        {
            o.ConnectionString = Unreachable;
            o.PruneInterval = null;
        });
        await using var valid = services.BuildServiceProvider();
        var store = valid.GetRequiredService<ISessionStore>();
        Assert.IsType<SqlServerSessionStore>(store);
        Assert.Same(store, valid.GetRequiredService<SqlServerSessionStore>());
    }
}
