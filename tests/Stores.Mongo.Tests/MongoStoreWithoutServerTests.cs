using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace SessionStores.Mongo.Tests;

/// <summary>
/// What the store does before and without a server: argument checks come first (no I/O), options are validated, and
/// an unreachable server surfaces as a transient <see cref="SessionStoreException"/> (the driver really tries to
/// connect to a closed port; nothing is mocked).
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
    public async Task An_unreachable_server_surfaces_as_a_transient_SessionStoreException()
    {
        using var store = Store();

        var ex = await Assert.ThrowsAsync<SessionStoreException>(() => store.GetAsync("abc", TestContext.Current.CancellationToken));

        Assert.True(ex.IsTransient);
        Assert.IsType<TimeoutException>(ex.InnerException);
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

    [Theory]
    [InlineData("", "sessions")]
    [InlineData("bad.name", "sessions")]
    [InlineData("db", "")]
    [InlineData("db", "has$dollar")]
    [InlineData("db", "system.sessions")]
    public void Invalid_names_are_rejected_naming_the_setting(string database, string collection)
    {
        var ex = Assert.Throws<ArgumentException>(() => new MongoSessionStore(new MongoSessionStoreOptions
        {
            ConnectionString = Unreachable,
            DatabaseName = database,
            CollectionName = collection,
        }));

        Assert.Contains("MongoSessionStoreOptions.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_DI_extension_validates_on_start_and_registers_one_store()
    {
        var services = new ServiceCollection();
        services.AddMongoSessionStore(o => o.ConnectionString = null);
        using (var provider = services.BuildServiceProvider())
        {
            Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MongoSessionStoreOptions>>().Value);
        }

        services.AddMongoSessionStore(o => o.ConnectionString = Unreachable);
        using var valid = services.BuildServiceProvider();
        var store = valid.GetRequiredService<ISessionStore>();
        Assert.IsType<MongoSessionStore>(store);
        Assert.Same(store, valid.GetRequiredService<MongoSessionStore>());
    }
}
