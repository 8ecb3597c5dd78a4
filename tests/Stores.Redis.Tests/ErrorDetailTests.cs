using System;
using System.Net;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Redis.Tests;

/// <summary>
/// StackExchange.Redis names the keys of a failed command in its error messages unless told not to, and a key holds a
/// session id: a store that owns its connection turns that detail off, so no error it throws (or a log prints) holds
/// the id.
/// </summary>
public sealed class ErrorDetailTests(RedisFixture standalone) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task A_timed_out_operation_does_not_name_the_session_key_anywhere_in_its_error()
    {
        // Given: a store that owns its connection, to a server behind a relay that then goes silent.
        var token = TestContext.Current.CancellationToken;
        await using var relay = TcpForwarder.Create(IPEndPoint.Parse(await standalone.ConnectionStringAsync()));
        relay.Start();
        await using var store = new RedisSessionStore(new RedisSessionStoreOptions
        {
            ConnectionString = $"127.0.0.1:{relay.Port},asyncTimeout=300,syncTimeout=300,connectTimeout=2000",
            KeyPrefix = "ed" + Guid.NewGuid().ToString("N")[..12] + ":",
        });
        var id = "secret" + Guid.NewGuid().ToString("N");
        Assert.True((await store.SetAsync(id, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(1)), token)).Succeeded);
        relay.BlackHole();

        // When
        var ex = await Assert.ThrowsAsync<SessionStoreException>(() => store.GetAsync(id, token));

        // Then: a timeout, and nothing in it (messages of the whole chain, as a log prints them) names the key.
        Assert.True(ex.IsTransient, ex.ToString());
        Assert.Contains("Timeout", ex.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(id, ex.ToString(), StringComparison.Ordinal);
    }
}
