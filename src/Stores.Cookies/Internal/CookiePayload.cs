using System;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using SessionStores.AspNetCore.Internal;

namespace SessionStores.Cookies.Internal;

/// <summary>
/// The bytes a cookie session carries, before Data Protection encrypts and authenticates them. Format 1, little-endian:
/// <code>
/// byte    format = 1
/// 16 B    session id (random; ISession.Id is its base64url form)
/// int64   last write, Unix milliseconds (the origin of the idle timeout)
/// int64   version (1 at the first write, +1 at each write that changed something; a touch keeps it)
/// int64   revocation generation of the subject when it was bound (0: no subject, or no revocation store)
/// uint16  subject length in UTF-8 bytes (0: none) | subject
/// rest    the store-backed session's payload (SessionPayload: its own format byte, created-at, the values)
/// </code>
/// The values travel in exactly the format the server-side stores keep, so both kinds of session read them alike.
/// </summary>
internal static class CookiePayload
{
    public const byte Format = 1;

    private const int IdSize = 16;
    private const int HeaderSize = 1 + IdSize + (3 * sizeof(long)) + sizeof(ushort);
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A new random session id.</summary>
    public static string NewId()
    {
        Span<byte> random = stackalloc byte[IdSize];
        RandomNumberGenerator.Fill(random);
        return Base64Url.EncodeToString(random);
    }

    public static byte[] Encode(Content content, byte[] values)
    {
        var subjectLength = content.Subject is null ? 0 : StrictUtf8.GetByteCount(content.Subject);
        var buffer = new byte[HeaderSize + subjectLength + values.Length];
        var span = buffer.AsSpan();
        span[0] = Format;
        if (!Base64Url.TryDecodeFromChars(content.Id, span.Slice(1, IdSize), out var written) || written != IdSize)
        {
            throw new InvalidOperationException("A cookie session id is 16 bytes in base64url.");
        }

        var pos = 1 + IdSize;
        BinaryPrimitives.WriteInt64LittleEndian(span[pos..], content.LastWriteMs);
        BinaryPrimitives.WriteInt64LittleEndian(span[(pos + 8)..], content.Version);
        BinaryPrimitives.WriteInt64LittleEndian(span[(pos + 16)..], content.Generation);
        BinaryPrimitives.WriteUInt16LittleEndian(span[(pos + 24)..], (ushort)subjectLength);
        pos = HeaderSize;
        if (content.Subject is not null)
        {
            pos += StrictUtf8.GetBytes(content.Subject, span[pos..]);
        }

        values.CopyTo(span[pos..]);
        return buffer;
    }

    /// <summary>Decodes a payload that Data Protection authenticated, or throws <see cref="SessionDataCorruptedException"/>
    /// (a payload of another format, written by a later version of this package).</summary>
    public static Decoded Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderSize || data[0] != Format)
        {
            throw new SessionDataCorruptedException(
                "cookie", data.Length < HeaderSize ? $"the cookie session payload is {data.Length} bytes, shorter than its header" : $"unknown cookie session format {data[0]} (this version reads format {Format})");
        }

        var id = Base64Url.EncodeToString(data.Slice(1, IdSize));
        var pos = 1 + IdSize;
        var lastWrite = BinaryPrimitives.ReadInt64LittleEndian(data[pos..]);
        var version = BinaryPrimitives.ReadInt64LittleEndian(data[(pos + 8)..]);
        var generation = BinaryPrimitives.ReadInt64LittleEndian(data[(pos + 16)..]);
        var subjectLength = BinaryPrimitives.ReadUInt16LittleEndian(data[(pos + 24)..]);
        pos = HeaderSize;
        if (data.Length < pos + subjectLength)
        {
            throw new SessionDataCorruptedException(id, "the cookie session payload is truncated");
        }

        string? subject;
        try
        {
            subject = subjectLength == 0 ? null : StrictUtf8.GetString(data.Slice(pos, subjectLength));
        }
        catch (DecoderFallbackException ex)
        {
            throw new SessionDataCorruptedException(id, "the cookie session's subject is not UTF-8", ex);
        }

        var values = SessionPayload.Decode(id, data[(pos + subjectLength)..], out var createdAtMs);
        return new Decoded(new Content(id, lastWrite, version, generation, subject), createdAtMs, values);
    }

    /// <summary>What the cookie says besides the values.</summary>
    internal readonly record struct Content(string Id, long LastWriteMs, long Version, long Generation, string? Subject);

    /// <summary>A decoded cookie: its content, the session's creation time and its values.</summary>
    internal readonly record struct Decoded(Content Content, long CreatedAtMs, Dictionary<string, byte[]> Values);
}
