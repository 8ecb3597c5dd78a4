using System;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace SessionStores.Abstractions.Tests;

// The near cache's memory: what a load or write may store after announcements made while it was under way.
public sealed class NearCacheTableTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void A_load_that_started_before_an_announcement_of_a_newer_version_is_not_stored()
    {
        var table = LiveTable();
        var captured = table.Capture();

        table.Invalidate("a", 2);

        Assert.False(table.Put(Entry(table, "a", version: 1), captured));
        Assert.Null(table.Find("a", table.Now()));
    }

    [Fact]
    public void An_announcement_of_the_same_version_does_not_refuse_the_write_that_made_it()
    {
        var table = LiveTable();
        var captured = table.Capture();

        table.Invalidate("a", 2);

        Assert.True(table.Put(Entry(table, "a", version: 2), captured));
        Assert.Equal(2, table.Find("a", table.Now())!.Version);
    }

    [Fact]
    public void A_destroy_announced_during_a_load_refuses_it_and_evicts_any_version()
    {
        var table = LiveTable();
        Assert.True(table.Put(Entry(table, "a", version: 5), table.Capture()));
        var captured = table.Capture();

        table.Invalidate("a", 0);

        Assert.Null(table.Find("a", table.Now()));
        Assert.False(table.Put(Entry(table, "a", version: 7), captured));
    }

    [Fact]
    public void An_older_announcement_leaves_a_newer_copy_and_a_newer_one_evicts_it()
    {
        var table = LiveTable();
        Assert.True(table.Put(Entry(table, "a", version: 3), table.Capture()));

        table.Invalidate("a", 3);
        Assert.NotNull(table.Find("a", table.Now()));
        table.Invalidate("a", 4);

        Assert.Null(table.Find("a", table.Now()));
    }

    [Fact]
    public void Nothing_is_stored_or_served_while_the_feed_is_lost_nor_what_was_loaded_before_it_came_back()
    {
        var table = LiveTable();
        Assert.True(table.Put(Entry(table, "a", version: 1), table.Capture()));
        var before = table.Capture();

        table.SetAvailable(false);
        Assert.Null(table.Find("a", table.Now()));
        Assert.False(table.Put(Entry(table, "b", version: 1), table.Capture()));
        table.SetAvailable(true);

        Assert.False(table.Put(Entry(table, "c", version: 1), before));
        Assert.True(table.Put(Entry(table, "c", version: 1), table.Capture()));
    }

    [Fact]
    public void A_copy_is_dropped_at_its_age_cap_and_at_the_expiry_it_knows_of()
    {
        var table = LiveTable();
        Assert.True(table.Put(Entry(table, "old", version: 1), table.Capture()));
        Assert.True(table.Put(Entry(table, "short", version: 1, storedFor: TimeSpan.FromSeconds(5)), table.Capture()));

        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Null(table.Find("short", table.Now()));
        Assert.NotNull(table.Find("old", table.Now()));
        _clock.Advance(TimeSpan.FromSeconds(25));

        Assert.Null(table.Find("old", table.Now()));
    }

    [Fact]
    public void Memory_is_bounded_in_bytes_least_recently_used_first_out()
    {
        var table = new NearCacheTable(maxBytes: 8 * 1024, TimeSpan.FromSeconds(30), _clock);
        table.SetAvailable(true);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(table.Put(Entry(table, $"s{i}", version: 1, bytes: 700), table.Capture()));
            Assert.NotNull(table.Find("s0", table.Now()));
        }

        Assert.True(table.Bytes <= 8 * 1024);
        Assert.NotNull(table.Find("s0", table.Now()));
        Assert.Null(table.Find("s1", table.Now()));
        Assert.False(table.Put(Entry(table, "huge", version: 1, bytes: 2000), table.Capture()));
    }

    private NearCacheTable LiveTable()
    {
        var table = new NearCacheTable(1024 * 1024, TimeSpan.FromSeconds(30), _clock);
        table.SetAvailable(true);
        return table;
    }

    private static NearCacheEntry Entry(NearCacheTable table, string id, long version, TimeSpan? storedFor = null, int bytes = 10)
    {
        var now = table.Now();
        return new NearCacheEntry(id, new byte[bytes], version, null, DateTimeOffset.UnixEpoch, null, now + table.Ticks(storedFor ?? TimeSpan.FromHours(1)), TimeSpan.Zero, now);
    }
}
