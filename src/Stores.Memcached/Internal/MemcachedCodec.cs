using System;
using System.Buffers.Binary;
using System.Text;

namespace SessionStores.Memcached.Internal;

/// <summary>
/// How a session is stored in Memcached and read back.
/// </summary>
/// <remarks>
/// <para>One item per session, its key from <see cref="MemcachedCommands.Key"/>, its client flags
/// <see cref="FormatFlags"/> (the format marker: <c>"SS"</c> and format 1), its value:</para>
/// <code>
/// offset  size  field
///      0     8  version: Int64, little-endian, 1 or more
///      8     8  created at: Int64, little-endian, Unix milliseconds on the writing app server's clock
///     16     2  subject length in bytes: UInt16, little-endian; 0xFFFF for no subject
///     18     n  subject: UTF-8
///   18+n   ...  data, to the end of the value
/// </code>
/// <para>The expiry is not stored: memcached keeps it (whole seconds, its own clock) and <c>mg ... t</c> reports the seconds
/// left, from which <see cref="SessionRecord.ExpiresAt"/> is computed. The CAS token memcached gives every write makes
/// the compare-and-set; the version in the value is what the contract reports. A future format takes other flags.</para>
/// <para>What cannot be decoded is a <see cref="SessionDataCorruptedException"/> naming the session and the reason,
/// never a default value: the read that met it throws (see that type for the policy).</para>
/// </remarks>
internal static class MemcachedCodec
{
    /// <summary>The client flags of format 1: <c>'S' 'S' 0 1</c>.</summary>
    public const uint FormatFlags = 0x5353_0001;

    private const int HeaderBytes = 18;
    private const ushort NoSubject = ushort.MaxValue;

    /// <summary>The stored size of <paramref name="write"/>.</summary>
    public static int EncodedLength(in SessionWrite write) =>
        HeaderBytes + (write.Subject is null ? 0 : Encoding.UTF8.GetByteCount(write.Subject)) + write.Data.Length;

    /// <summary>The stored form of a write.</summary>
    /// <param name="write">The validated write.</param>
    /// <param name="version">The version it gets.</param>
    /// <param name="createdAt">When the session was created.</param>
    /// <returns>The item's value.</returns>
    public static byte[] Encode(in SessionWrite write, long version, DateTimeOffset createdAt)
    {
        var value = new byte[EncodedLength(write)];
        var span = value.AsSpan();
        BinaryPrimitives.WriteInt64LittleEndian(span, version);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], createdAt.ToUnixTimeMilliseconds());
        var subjectLength = write.Subject is null ? 0 : Encoding.UTF8.GetBytes(write.Subject, span[HeaderBytes..]);
        BinaryPrimitives.WriteUInt16LittleEndian(span[16..], write.Subject is null ? NoSubject : (ushort)subjectLength);
        write.Data.Span.CopyTo(span[(HeaderBytes + subjectLength)..]);
        return value;
    }

    /// <summary>Reads a stored session back.</summary>
    /// <param name="id">The session id, for <see cref="SessionDataCorruptedException"/>.</param>
    /// <param name="reply">The <c>VA</c> reply of <c>mg ... v t f</c>.</param>
    /// <param name="now">The current time, to which the seconds left are added.</param>
    /// <returns>The record.</returns>
    /// <exception cref="SessionDataCorruptedException">The item is not in this format or cannot be decoded.</exception>
    public static SessionRecord Decode(string id, in MemcachedReply reply, DateTimeOffset now)
    {
        CheckFormat(id, reply.ClientFlags);
        var value = reply.Value ?? [];
        if (value.Length < HeaderBytes)
        {
            throw Corrupt(id, $"the value has {value.Length} bytes, fewer than the {HeaderBytes}-byte header");
        }

        var span = value.AsSpan();
        var version = BinaryPrimitives.ReadInt64LittleEndian(span);
        var createdAtMs = BinaryPrimitives.ReadInt64LittleEndian(span[8..]);
        var subjectLength = BinaryPrimitives.ReadUInt16LittleEndian(span[16..]);
        if (version < 1)
        {
            throw Corrupt(id, $"its version is {version}");
        }

        if (createdAtMs is < 0 or > 253_402_300_799_999)
        {
            throw Corrupt(id, "its creation time is out of range");
        }

        string? subject = null;
        var dataStart = HeaderBytes;
        if (subjectLength != NoSubject)
        {
            if (HeaderBytes + subjectLength > value.Length)
            {
                throw Corrupt(id, $"its subject of {subjectLength} bytes runs past the value's end");
            }

            subject = Encoding.UTF8.GetString(span.Slice(HeaderBytes, subjectLength));
            dataStart += subjectLength;
        }

        // memcached reports -1 for an item without expiry, which this store never writes.
        if (reply.SecondsLeft < 0)
        {
            throw Corrupt(id, "it has no expiry");
        }

        return new SessionRecord(
            id,
            value.AsMemory(dataStart),
            version,
            now.AddSeconds(reply.SecondsLeft),
            DateTimeOffset.FromUnixTimeMilliseconds(createdAtMs),
            subject);
    }

    /// <summary>Checks the format marker alone (for a touch, which does not read the value).</summary>
    /// <exception cref="SessionDataCorruptedException">The flags are not <see cref="FormatFlags"/>.</exception>
    public static void CheckFormat(string id, uint clientFlags)
    {
        if (clientFlags != FormatFlags)
        {
            throw Corrupt(id, $"its client flags are 0x{clientFlags:x8}, not this store's format 0x{FormatFlags:x8}");
        }
    }

    private static SessionDataCorruptedException Corrupt(string id, string reason) => new(id, "the Memcached item is not a session of this store: " + reason);
}
