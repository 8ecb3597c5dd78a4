using System;
using System.Buffers.Binary;
using System.Buffers.Text;

namespace SessionStores.Scale.Benchmarks;

/// <summary>
/// Ids shaped like real ones (32 characters of URL-safe Base64 from 24 bytes), built from an index whenever needed: a
/// request brings its id as a fresh string (parsed from its cookie), so the benchmark does not look ids up in a table
/// of a million strings, which would add a cache miss no server has.
/// </summary>
internal static class SessionIds
{
    public static string For(long index)
    {
        Span<byte> bytes = stackalloc byte[24];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, Mix((ulong)index));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], Mix((ulong)index + 0x9E3779B97F4A7C15));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[16..], (ulong)index);
        return Base64Url.EncodeToString(bytes);
    }

    // SplitMix64's finaliser: spreads consecutive indexes over the whole id space, as random ids are.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
