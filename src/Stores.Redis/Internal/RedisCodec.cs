using System;
using System.Buffers;
using System.Buffers.Text;
using System.Text;
using StackExchange.Redis;

namespace SessionStores.Redis.Internal;

/// <summary>
/// The stored format: one Redis string per session, a fixed ASCII header followed by the subject and the data.
/// <code>
/// offset  0  "S1"            magic and format version
///         2  12 hex digits   version
///        14  12 hex digits   created at, Unix ms (server clock)
///        26  12 hex digits   reserved, written as zeros (the key's own expiry, PEXPIRETIME, is the session's)
///        38  12 hex digits   subject index horizon, Unix ms (0 without a subject)
///        50   4 hex digits   subject length in UTF-8 bytes
///        54  subject bytes, then the data bytes
/// </code>
/// </summary>
/// <remarks>
/// One string instead of a hash keeps <c>Get</c> a single plain <c>GET</c> (the same command and reply size as a raw
/// cache read) and lets a listing fetch only the header with <c>GETRANGE</c>. Hex text is what Lua can read and write
/// with <c>tonumber(s, 16)</c> and <c>string.format('%012x')</c> without the 53-bit pitfalls of packing binary
/// integers; 12 hex digits cover Unix milliseconds until the year 10889. The expiry lives only in the key's Redis expiry,
/// so a touch is a <c>PEXPIRE</c> and a write a <c>SET … PX</c> without reading the clock; readers fetch it with
/// <c>PEXPIRETIME</c> in the same round trip (Redis 7.0 or later).
/// </remarks>
internal static class RedisCodec
{
    public const int HeaderLength = 54;

    /// <summary>Header plus the longest subject (256 UTF-16 units, at most 3 UTF-8 bytes each), minus one for GETRANGE's inclusive end.</summary>
    public const int HeadRangeEnd = HeaderLength + (SessionLimits.MaxSubjectLength * 3) - 1;

    private const int VersionOffset = 2;
    private const int CreatedOffset = 14;
    private const int ReservedOffset = 26;
    private const int HorizonOffset = 38;
    private const int SubjectLengthOffset = 50;

    /// <summary>The digits of the subject length field.</summary>
    public const int SubjectLengthDigits = 4;

    private static readonly byte[] NoSubjectField = "0000"u8.ToArray();

    /// <summary>The latest time a <see cref="DateTimeOffset"/> holds, in Unix ms; 12 hex digits can say more.</summary>
    private const long MaxUnixMs = 253_402_300_799_999;

    /// <summary>Decodes a full value (header, subject, data) read by GET, with its key's <c>PEXPIRETIME</c> read with it.</summary>
    /// <returns>The record, or <see langword="null"/> when the key expired between the two reads (see <see cref="Expiry"/>).</returns>
    public static SessionRecord? DecodeRecord(string id, ReadOnlyMemory<byte> value, long pexpiretime)
    {
        var header = DecodeHeader(id, value.Span, requireWholeSubject: true);
        if (Expiry(id, pexpiretime) is not { } expiresAtMs)
        {
            return null;
        }

        var data = value[(HeaderLength + header.SubjectLength)..];
        return new SessionRecord(
            id,
            data,
            header.Version,
            DateTimeOffset.FromUnixTimeMilliseconds(expiresAtMs),
            DateTimeOffset.FromUnixTimeMilliseconds(header.CreatedAtMs),
            header.Subject);
    }

    /// <summary>The header's version field as stored (12 lower-case hex digits), after the magic when <paramref name="withMagic"/>:
    /// what the write script's compare-and-set fast path compares and writes (<c>RedisCommands.CompareAndSetFast</c>).</summary>
    public static byte[] VersionField(long version, bool withMagic)
    {
        var field = new byte[(withMagic ? VersionOffset : 0) + 12];
        if (withMagic)
        {
            field[0] = (byte)'S';
            field[1] = (byte)'1';
        }

        WriteHex(field.AsSpan(field.Length - 12), version);
        return field;
    }

    /// <summary>The subject field as stored: its UTF-8 length in 4 hex digits, then the subject (nothing for none).</summary>
    public static byte[] SubjectField(string? subject)
    {
        if (subject is null)
        {
            return NoSubjectField;
        }

        var length = Encoding.UTF8.GetByteCount(subject);
        var field = new byte[SubjectLengthDigits + length];
        WriteHex(field.AsSpan(0, SubjectLengthDigits), length);
        Encoding.UTF8.GetBytes(subject, field.AsSpan(SubjectLengthDigits));
        return field;
    }

    // Lower-case hex, zero-padded to the field's width, as the scripts write it.
    private static void WriteHex(Span<byte> digits, long value) =>
        Utf8Formatter.TryFormat(value, digits, out _, new StandardFormat('x', (byte)digits.Length));

    /// <summary>The header's identity as stored: version and created-at, 24 hex digits (what SetHorizon compares).</summary>
    public static RedisValue Identity(ReadOnlySpan<byte> value) => value[VersionOffset..ReservedOffset].ToArray();

    /// <summary>
    /// Decodes a header (and subject) read by GETRANGE, with the value's total length from STRLEN. Every field is checked
    /// as the scripts check it (see <c>RedisCommands.ParseHeader</c>); any damage is a <see cref="SessionDataCorruptedException"/>.
    /// </summary>
    public static Header DecodeHeader(string id, ReadOnlySpan<byte> value, bool requireWholeSubject)
    {
        if (value.Length < HeaderLength || value[0] != (byte)'S' || value[1] != (byte)'1')
        {
            throw new SessionDataCorruptedException(id, "the value does not start with the SessionStores header (S1)");
        }

        if (!TryHex(value.Slice(VersionOffset, 12), out var version) || version < 1
            || !TryHex(value.Slice(CreatedOffset, 12), out var created) || created > MaxUnixMs
            || !TryHex(value.Slice(ReservedOffset, 12), out var reserved) || reserved > MaxUnixMs
            || !TryHex(value.Slice(HorizonOffset, 12), out _)
            || !TryHex(value.Slice(SubjectLengthOffset, 4), out var subjectLength)
            || (requireWholeSubject && HeaderLength + subjectLength > value.Length)
            || subjectLength > SessionLimits.MaxSubjectLength * 3)
        {
            throw new SessionDataCorruptedException(id, "the SessionStores header has an invalid field");
        }

        var length = (int)subjectLength;
        string? subject = null;
        if (length > 0)
        {
            if (HeaderLength + length > value.Length)
            {
                throw new SessionDataCorruptedException(id, "the subject is cut short");
            }

            subject = Encoding.UTF8.GetString(value.Slice(HeaderLength, length));
        }

        return new Header(version, created, length, subject);
    }

    public static bool TryHex(ReadOnlySpan<byte> digits, out long result)
    {
        result = 0;
        foreach (var b in digits)
        {
            int nibble = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => -1,
            };
            if (nibble < 0)
            {
                return false;
            }

            result = (result << 4) | (uint)nibble;
        }

        return true;
    }

    internal readonly record struct Header(long Version, long CreatedAtMs, int SubjectLength, string? Subject);

    /// <summary>
    /// The session's expiry from its key's <c>PEXPIRETIME</c> read with its value: -2 (the key expired between the two
    /// reads of one transaction or pipeline) is absent; -1 (no expiry: not written by this store) is corrupt.
    /// </summary>
    /// <returns>The expiry in Unix ms, or <see langword="null"/> when the key is gone.</returns>
    public static long? Expiry(string id, long pexpiretime) => pexpiretime switch
    {
        -2 => null,
        -1 => throw new SessionDataCorruptedException(id, "the key has no expiry"),
        _ => pexpiretime,
    };
}
