using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;

namespace SessionStores.Memcached.Internal;

/// <summary>
/// Consistent hashing in the ketama manner (libketama, spymemcached): every server owns 160 points on a ring of 32-bit
/// hashes (40 MD5 digests of <c>"host:port-i"</c>, each giving four little-endian points); a key belongs to the
/// server owning the first point at or after the key's hash (the first four bytes of its MD5, little-endian),
/// wrapping around. A key stays on its server while the list is unchanged; adding a server moves only the keys that
/// fall on its new points (about 1/n of them), and passing over a dead server moves only that server's keys.
/// </summary>
/// <typeparam name="TServer">What a point leads to.</typeparam>
internal sealed class MemcachedRing<TServer>
    where TServer : class
{
    /// <summary>Digests per server; each gives four points.</summary>
    public const int DigestsPerServer = 40;

    private readonly uint[] _points;
    private readonly TServer[] _owners;

    /// <summary>Builds the ring.</summary>
    /// <param name="servers">The servers and their names (<c>host:port</c>); at least one.</param>
    public MemcachedRing(IReadOnlyList<(string Name, TServer Server)> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentOutOfRangeException.ThrowIfZero(servers.Count);
        var points = new List<(uint Point, int Server)>(servers.Count * DigestsPerServer * 4);
        Span<byte> digest = stackalloc byte[16];
        for (var s = 0; s < servers.Count; s++)
        {
            for (var i = 0; i < DigestsPerServer; i++)
            {
                Md5(servers[s].Name + "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), digest);
                for (var k = 0; k < 4; k++)
                {
                    points.Add((BinaryPrimitives.ReadUInt32LittleEndian(digest[(k * 4)..]), s));
                }
            }
        }

        // Ties (vanishingly rare) go to the server listed first, so every client orders the ring alike.
        points.Sort(static (a, b) => a.Point != b.Point ? a.Point.CompareTo(b.Point) : a.Server.CompareTo(b.Server));
        _points = new uint[points.Count];
        _owners = new TServer[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            _points[i] = points[i].Point;
            _owners[i] = servers[points[i].Server].Server;
        }
    }

    /// <summary>A key's position on the ring.</summary>
    /// <param name="key">The memcached key.</param>
    /// <returns>The first four bytes of the key's MD5, little-endian.</returns>
    public static uint Hash(string key)
    {
        Span<byte> digest = stackalloc byte[16];
        Md5(key, digest);
        return BinaryPrimitives.ReadUInt32LittleEndian(digest);
    }

    /// <summary>The server a key belongs to.</summary>
    /// <param name="hash">The key's <see cref="Hash"/>.</param>
    /// <returns>The owner of the first point at or after <paramref name="hash"/>.</returns>
    public TServer Owner(uint hash) => _owners[First(hash)];

    /// <summary>The server a key goes to while some servers are out: the owner of the first point at or after
    /// <paramref name="hash"/> that <paramref name="usable"/> accepts; the key's own server when none is.</summary>
    /// <param name="hash">The key's <see cref="Hash"/>.</param>
    /// <param name="usable">Whether a server may take requests now.</param>
    /// <returns>The server.</returns>
    public TServer Route(uint hash, Func<TServer, bool> usable)
    {
        var first = First(hash);
        for (var i = 0; i < _points.Length; i++)
        {
            var owner = _owners[(first + i) % _points.Length];
            if (usable(owner))
            {
                return owner;
            }
        }

        return _owners[first];
    }

    private int First(uint hash)
    {
        var index = Array.BinarySearch(_points, hash);
        if (index < 0)
        {
            index = ~index;
        }
        else
        {
            // Several points may share the value: the first of them.
            while (index > 0 && _points[index - 1] == hash)
            {
                index--;
            }
        }

        return index == _points.Length ? 0 : index;
    }

#pragma warning disable CA5351 // MD5 places keys on the ring (the ketama convention other clients share), it protects nothing.
    private static void Md5(string text, Span<byte> digest) => MD5.HashData(Encoding.UTF8.GetBytes(text), digest);
#pragma warning restore CA5351
}
