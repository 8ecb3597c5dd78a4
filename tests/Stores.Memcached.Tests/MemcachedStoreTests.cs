using System;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Memcached.Internal;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Memcached.Tests;

/// <summary>What is this store's own: its refusals (no listing, items over the servers' <c>-I</c>), its TTL rounding
/// and its key layout.</summary>
public sealed class MemcachedStoreTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Listing_counting_and_destroying_many_throw_NotSupportedException_saying_why()
    {
        await using var store = Unreachable();

        var list = Assert.Throws<NotSupportedException>(() => store.ListAsync(SessionQuery.All, Token));
        var count = await Assert.ThrowsAsync<NotSupportedException>(() => store.CountAsync(SessionQuery.ForSubject("alice"), Token));
        var destroy = await Assert.ThrowsAsync<NotSupportedException>(() => store.DestroyManyAsync(SessionQuery.ForSubject("alice"), Token));

        Assert.All(new[] { list, count, destroy }, ex => Assert.Contains("cannot enumerate its keys", ex.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_session_larger_than_the_servers_item_size_is_refused_before_any_io_naming_the_limit_and_minus_I()
    {
        // The server does not exist: an attempt to write would fail with a SessionStoreException instead.
        await using var store = Unreachable(maxItemBytes: 4096);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => store.SetAsync("abc", new SessionWrite(new byte[4000], TimeSpan.FromMinutes(1)), Token));

        Assert.Contains("4096", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxItemBytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("-I", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<SessionStoreException>(() => store.SetAsync("abc", new SessionWrite(new byte[3000], TimeSpan.FromMinutes(1)), Token));
    }

    [Theory]
    [InlineData(1, 2)]                      // 1 ms: a whole second, plus one for memcached's once-a-second clock
    [InlineData(300, 2)]
    [InlineData(1000, 2)]
    [InlineData(1001, 3)]
    [InlineData(1_800_000, 1801)]
    [InlineData(2_591_999_000, 2_592_000)]  // the longest relative TTL memcached takes
    public void Ttls_are_rounded_up_to_whole_seconds_plus_one(long milliseconds, long serverTtl) =>
        Assert.Equal(serverTtl, MemcachedCommands.ServerTtl(TimeSpan.FromMilliseconds(milliseconds), DateTimeOffset.UnixEpoch));

    [Fact]
    public void A_ttl_over_30_days_is_an_absolute_unix_time_as_memcached_requires()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

        var serverTtl = MemcachedCommands.ServerTtl(TimeSpan.FromDays(31), now);

        Assert.Equal(1_800_000_000 + (31 * 86_400) + 1, serverTtl);
        Assert.Equal((31 * 86_400) + 1, MemcachedCommands.SecondsLeft(serverTtl, now));
    }

    [Fact]
    public void Keys_are_the_prefix_and_the_id_and_ids_too_long_for_memcached_are_hashed_without_meeting_a_real_id()
    {
        var commands = new MemcachedCommands("sessions");
        var longId = new string('a', SessionLimits.MaxIdLength);

        Assert.Equal("sessions:abc", commands.Key("abc"));
        var hashed = commands.Key(longId);
        Assert.StartsWith("sessions:#", hashed, StringComparison.Ordinal);
        Assert.InRange(hashed.Length, 1, MemcachedCommands.MaxKeyLength);
        Assert.NotEqual(hashed, commands.Key(new string('a', SessionLimits.MaxIdLength - 1) + "b"));
    }

    private static MemcachedSessionStore Unreachable(int maxItemBytes = MemcachedSessionStoreOptions.DefaultMaxItemBytes) => new(new MemcachedSessionStoreOptions
    {
        ConnectionString = $"127.0.0.1:{LoopbackPorts.Free()}",
        MaxItemBytes = maxItemBytes,
    });
}
