using System;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Redis.Tests;

/// <summary>Disposing the store: later operations fail clearly, a shared connection stays open, and a connection still
/// being opened does not outlive the store.</summary>
public sealed class DisposeTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Operations_after_dispose_throw_ObjectDisposedException()
    {
        var store = new RedisSessionStore(new RedisSessionStoreOptions { ConnectionString = await fixture.ConnectionStringAsync(), KeyPrefix = "d" + Guid.NewGuid().ToString("N")[..8] + ":" });
        await store.SetAsync("a", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token);

        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetAsync("a", Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.SetAsync("a", new SessionWrite(new byte[] { 2 }, TimeSpan.FromMinutes(1)), Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.CountAsync(SessionQuery.All, Token));
        store.Dispose();
    }

    [Fact]
    public async Task A_shared_connection_stays_open_after_the_store_is_disposed()
    {
        var shared = await fixture.ConnectionAsync();
        var prefix = "d" + Guid.NewGuid().ToString("N")[..8] + ":";
        var store = await fixture.StoreAsync(prefix);
        await store.SetAsync("a", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), Token);

        store.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetAsync("a", Token));
        Assert.True(shared.IsConnected);
        await using var next = await fixture.StoreAsync(prefix);
        Assert.NotNull(await next.GetAsync("a", Token));
    }

    [Fact]
    public async Task An_operation_waiting_for_the_first_connection_when_the_store_is_disposed_ends_with_ObjectDisposedException()
    {
        // Given a store whose first operation is still opening its connection (nothing listens on the port)
        var store = new RedisSessionStore(new RedisSessionStoreOptions { ConnectionString = $"127.0.0.1:{LoopbackPorts.Free()},connectTimeout=2000", KeyPrefix = "d:" });
        var get = store.GetAsync("a", Token);

        // When the store is disposed meanwhile
        await store.DisposeAsync();

        // Then the operation reports the disposal (the connection it was opening is closed, not left reconnecting)
        await Assert.ThrowsAsync<ObjectDisposedException>(() => get);
    }
}
