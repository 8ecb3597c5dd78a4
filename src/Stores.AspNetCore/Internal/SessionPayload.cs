using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// The bytes a store keeps for one ASP.NET Core session. Format 1, little-endian:
/// <code>
/// byte    format = 1
/// int64   created-at, Unix milliseconds (the origin of the absolute lifetime)
/// varint  entry count
/// repeat: varint key length | UTF-8 key | varint value length | value
/// </code>
/// Compact for small sessions (a one-key counter is about 20 bytes) and versioned by its first byte so that a later
/// format can read this one.
/// </summary>
internal static class SessionPayload
{
    public const byte Format = 1;

    private const int HeaderSize = 1 + sizeof(long);
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Rejects a key that cannot be stored (a lone UTF-16 surrogate has no UTF-8 form) when it is set, not at commit.</summary>
    public static void ValidateKey(string key)
    {
        try
        {
            _ = StrictUtf8.GetByteCount(key);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException("A session key must be valid UTF-16 text (it contains a lone surrogate).", nameof(key), ex);
        }
    }

    public static byte[] Encode(long createdAtMs, Dictionary<string, byte[]> values)
    {
        var size = HeaderSize + VarintSize((uint)values.Count);
        foreach (var (key, value) in values)
        {
            var keyBytes = StrictUtf8.GetByteCount(key);
            size += VarintSize((uint)keyBytes) + keyBytes + VarintSize((uint)value.Length) + value.Length;
        }

        var buffer = new byte[size];
        buffer[0] = Format;
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(1), createdAtMs);
        var pos = HeaderSize;
        pos += WriteVarint(buffer.AsSpan(pos), (uint)values.Count);
        foreach (var (key, value) in values)
        {
            var keyBytes = StrictUtf8.GetByteCount(key);
            pos += WriteVarint(buffer.AsSpan(pos), (uint)keyBytes);
            pos += StrictUtf8.GetBytes(key, buffer.AsSpan(pos));
            pos += WriteVarint(buffer.AsSpan(pos), (uint)value.Length);
            value.CopyTo(buffer.AsSpan(pos));
            pos += value.Length;
        }

        return buffer;
    }

    /// <summary>Decodes a payload, or throws <see cref="SessionDataCorruptedException"/> naming the session.</summary>
    public static Dictionary<string, byte[]> Decode(string sessionId, ReadOnlySpan<byte> data, out long createdAtMs)
    {
        if (data.Length < HeaderSize + 1)
        {
            throw new SessionDataCorruptedException(sessionId, $"the ASP.NET Core session payload is {data.Length} bytes, shorter than its header");
        }

        if (data[0] != Format)
        {
            throw new SessionDataCorruptedException(sessionId, $"unknown ASP.NET Core session payload format {data[0]} (this version reads format {Format})");
        }

        createdAtMs = BinaryPrimitives.ReadInt64LittleEndian(data[1..]);
        var pos = HeaderSize;
        try
        {
            var count = ReadVarint(data, ref pos);
            var values = new Dictionary<string, byte[]>((int)Math.Min(count, 1024), StringComparer.Ordinal);
            for (var i = 0u; i < count; i++)
            {
                var keyLength = (int)ReadVarint(data, ref pos);
                var key = StrictUtf8.GetString(data.Slice(pos, keyLength));
                pos += keyLength;
                var valueLength = (int)ReadVarint(data, ref pos);
                values[key] = data.Slice(pos, valueLength).ToArray();
                pos += valueLength;
            }

            if (pos != data.Length)
            {
                throw new SessionDataCorruptedException(sessionId, $"{data.Length - pos} unexpected bytes after the last entry");
            }

            return values;
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or IndexOutOfRangeException or DecoderFallbackException or OverflowException)
        {
            throw new SessionDataCorruptedException(sessionId, "the ASP.NET Core session payload is truncated or malformed", ex);
        }
    }

    private static int VarintSize(uint value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    private static int WriteVarint(Span<byte> destination, uint value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    private static uint ReadVarint(ReadOnlySpan<byte> data, ref int pos)
    {
        uint result = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = data[pos++];
            result |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result > int.MaxValue ? throw new OverflowException("A length is out of range.") : result;
            }
        }

        throw new OverflowException("A varint is longer than 5 bytes.");
    }
}
