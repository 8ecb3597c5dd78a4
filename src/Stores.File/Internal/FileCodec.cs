using System;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace SessionStores.File.Internal;

/// <summary>
/// The binary layout of a session file (all integers little-endian):
/// <code>
///  0  4  magic "SSNF"
///  4  2  format version (1)
///  6  2  flags (bit 0: has a subject; others must be 0)
///  8  8  version
/// 16  8  expiry, Unix milliseconds
/// 24  8  creation, Unix milliseconds
/// 32  4  data length
/// 36  2  id length (ASCII bytes)
/// 38  2  subject length (UTF-8 bytes)
/// 40  4  CRC-32 of bytes 0..40, the id and the subject
/// 44     id, subject, data
/// end 4  CRC-32 of the data
/// </code>
/// The header checksum lets a listing validate a record without reading its data; the format version lets a later
/// release read old files and migrate them on their next write.
/// </summary>
internal static class FileCodec
{
    public const int FixedHeaderSize = 44;
    public const int TrailerSize = 4;
    public const ushort CurrentVersion = 1;

    /// <summary>Enough bytes for the longest header: the fixed part, a 256-character id and a 256-character subject.</summary>
    public const int MaxHeaderSize = FixedHeaderSize + SessionLimits.MaxIdLength + (SessionLimits.MaxSubjectLength * 3);

    private const uint Magic = 0x464E5353; // "SSNF" read as little-endian
    private const ushort HasSubjectFlag = 1;
    private const int ExpiryOffset = 16;
    private const int HeaderChecksumOffset = 40;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static int GetSize(string id, string? subject, int dataLength) =>
        FixedHeaderSize + id.Length + (subject is null ? 0 : StrictUtf8.GetByteCount(subject)) + dataLength + TrailerSize;

    /// <summary>Writes a whole record into <paramref name="destination"/>, which must be exactly <see cref="GetSize"/> bytes.</summary>
    public static void Write(Span<byte> destination, string id, in SessionHeader header, ReadOnlySpan<byte> data)
    {
        var subjectLength = header.Subject is null ? 0 : StrictUtf8.GetByteCount(header.Subject);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], CurrentVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], header.Subject is null ? (ushort)0 : HasSubjectFlag);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], header.Version);
        BinaryPrimitives.WriteInt64LittleEndian(destination[ExpiryOffset..], header.ExpiresAtMs);
        BinaryPrimitives.WriteInt64LittleEndian(destination[24..], header.CreatedAtMs);
        BinaryPrimitives.WriteInt32LittleEndian(destination[32..], data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[36..], (ushort)id.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[38..], (ushort)subjectLength);
        var offset = FixedHeaderSize + Encoding.ASCII.GetBytes(id, destination[FixedHeaderSize..]);
        if (header.Subject is not null)
        {
            offset += StrictUtf8.GetBytes(header.Subject, destination[offset..]);
        }

        WriteHeaderChecksum(destination, offset);
        data.CopyTo(destination[offset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[(offset + data.Length)..], Crc32.HashToUInt32(data));
    }

    /// <summary>Changes the expiry of an encoded record in place (Touch rewrites nothing else).</summary>
    public static void SetExpiry(Span<byte> record, long expiresAtMs)
    {
        BinaryPrimitives.WriteInt64LittleEndian(record[ExpiryOffset..], expiresAtMs);
        var headerLength = FixedHeaderSize + BinaryPrimitives.ReadUInt16LittleEndian(record[36..]) + BinaryPrimitives.ReadUInt16LittleEndian(record[38..]);
        WriteHeaderChecksum(record, headerLength);
    }

    /// <summary>
    /// Decodes the header from the first bytes of a file of <paramref name="fileLength"/> bytes; with
    /// <paramref name="verifyData"/>, <paramref name="buffer"/> holds the whole file and the data checksum is checked.
    /// </summary>
    /// <returns>The header, or <see langword="null"/> with <paramref name="error"/> saying what is wrong.</returns>
    public static SessionHeader? TryRead(ReadOnlySpan<byte> buffer, long fileLength, bool verifyData, out string? error)
    {
        error = null;
        if (buffer.Length < FixedHeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(buffer) != Magic)
        {
            error = "not a session file (bad magic number)";
            return null;
        }

        var format = BinaryPrimitives.ReadUInt16LittleEndian(buffer[4..]);
        if (format != CurrentVersion)
        {
            error = $"unsupported format version {format} (this release reads version {CurrentVersion})";
            return null;
        }

        var flags = BinaryPrimitives.ReadUInt16LittleEndian(buffer[6..]);
        var dataLength = BinaryPrimitives.ReadInt32LittleEndian(buffer[32..]);
        var idLength = BinaryPrimitives.ReadUInt16LittleEndian(buffer[36..]);
        var subjectLength = BinaryPrimitives.ReadUInt16LittleEndian(buffer[38..]);
        var headerLength = FixedHeaderSize + idLength + subjectLength;
        if ((flags & ~HasSubjectFlag) != 0 || dataLength < 0 || ((flags & HasSubjectFlag) == 0) != (subjectLength == 0)
            || (long)headerLength + dataLength + TrailerSize != fileLength || buffer.Length < headerLength)
        {
            error = "the header's lengths do not match the file (damaged or truncated)";
            return null;
        }

        if (Combine(buffer[..headerLength]) != BinaryPrimitives.ReadUInt32LittleEndian(buffer[HeaderChecksumOffset..]))
        {
            error = "the header checksum does not match";
            return null;
        }

        if (verifyData && Crc32.HashToUInt32(buffer.Slice(headerLength, dataLength)) != BinaryPrimitives.ReadUInt32LittleEndian(buffer[(headerLength + dataLength)..]))
        {
            error = "the data checksum does not match";
            return null;
        }

        var id = Encoding.ASCII.GetString(buffer.Slice(FixedHeaderSize, idLength));
        if (!SessionValidation.IsValidId(id))
        {
            error = "the stored id is not a valid session id";
            return null;
        }

        string? subject = null;
        if (subjectLength > 0)
        {
            try
            {
                subject = StrictUtf8.GetString(buffer.Slice(FixedHeaderSize + idLength, subjectLength));
            }
            catch (DecoderFallbackException)
            {
                error = "the stored subject is not valid UTF-8";
                return null;
            }
        }

        return new SessionHeader(
            id,
            BinaryPrimitives.ReadInt64LittleEndian(buffer[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(buffer[ExpiryOffset..]),
            BinaryPrimitives.ReadInt64LittleEndian(buffer[24..]),
            subject,
            dataLength,
            headerLength);
    }

    private static void WriteHeaderChecksum(Span<byte> record, int headerLength) =>
        BinaryPrimitives.WriteUInt32LittleEndian(record[HeaderChecksumOffset..], Combine(record[..headerLength]));

    // The checksum covers the fixed fields before it and the id and subject after it.
    private static uint Combine(ReadOnlySpan<byte> header)
    {
        var crc = new Crc32();
        crc.Append(header[..HeaderChecksumOffset]);
        crc.Append(header[FixedHeaderSize..]);
        return crc.GetCurrentHashAsUInt32();
    }
}

/// <summary>A decoded header: everything but the data.</summary>
internal readonly record struct SessionHeader(
    string Id, long Version, long ExpiresAtMs, long CreatedAtMs, string? Subject, int DataLength, int HeaderLength)
{
    public bool IsLive(long nowMs) => nowMs < ExpiresAtMs;
}
