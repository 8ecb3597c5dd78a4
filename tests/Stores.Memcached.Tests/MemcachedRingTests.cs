using System;
using System.Collections.Generic;
using System.Linq;
using SessionStores.Memcached.Internal;
using Xunit;

namespace SessionStores.Memcached.Tests;

/// <summary>Where the ketama ring puts keys: evenly, stably, and moving few of them when a server comes or goes.</summary>
public sealed class MemcachedRingTests
{
    private static readonly string[] Keys = [.. Enumerable.Range(0, 30_000).Select(i => "sessions:" + Guid.NewGuid().ToString("N"))];

    [Fact]
    public void Keys_spread_over_three_servers_in_roughly_equal_shares()
    {
        var ring = Ring("10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211");

        var shares = Keys.GroupBy(k => ring.Owner(MemcachedRing<string>.Hash(k))).ToDictionary(g => g.Key, g => (double)g.Count() / Keys.Length);

        Assert.Equal(3, shares.Count);
        Assert.All(shares.Values, share => Assert.InRange(share, 0.25, 0.42));
    }

    [Fact]
    public void Adding_a_fourth_server_moves_about_a_quarter_of_the_keys_and_only_to_it()
    {
        var three = Ring("10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211");
        var four = Ring("10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211", "10.0.0.4:11211");

        var moved = Keys.Where(k => three.Owner(MemcachedRing<string>.Hash(k)) != four.Owner(MemcachedRing<string>.Hash(k))).ToList();

        Assert.InRange((double)moved.Count / Keys.Length, 0.15, 0.35);
        Assert.All(moved, k => Assert.Equal("10.0.0.4:11211", four.Owner(MemcachedRing<string>.Hash(k))));
    }

    [Fact]
    public void Passing_over_a_dead_server_moves_only_its_keys()
    {
        var ring = Ring("10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211");
        const string Dead = "10.0.0.2:11211";

        foreach (var key in Keys)
        {
            var hash = MemcachedRing<string>.Hash(key);
            var owner = ring.Owner(hash);
            var routed = ring.Route(hash, s => s != Dead);
            if (owner == Dead)
            {
                Assert.NotEqual(Dead, routed);
            }
            else
            {
                Assert.Equal(owner, routed);
            }
        }
    }

    [Fact]
    public void With_every_server_dead_a_key_goes_to_its_own_server()
    {
        var ring = Ring("10.0.0.1:11211", "10.0.0.2:11211");
        var hash = MemcachedRing<string>.Hash("sessions:abc");

        Assert.Equal(ring.Owner(hash), ring.Route(hash, _ => false));
    }

    [Fact]
    public void Placement_depends_only_on_the_server_names_not_on_their_order()
    {
        var one = Ring("10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211");
        var other = Ring("10.0.0.3:11211", "10.0.0.1:11211", "10.0.0.2:11211");

        Assert.All(Keys.Take(2000), k => Assert.Equal(one.Owner(MemcachedRing<string>.Hash(k)), other.Owner(MemcachedRing<string>.Hash(k))));
    }

    private static MemcachedRing<string> Ring(params string[] servers) => new([.. servers.Select(s => (s, s))]);
}
