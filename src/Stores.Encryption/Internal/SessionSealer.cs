using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace SessionStores.Encryption.Internal;

/// <summary>
/// Seals session data for one session id and opens it again. The stored format, the only one this package writes:
/// <code>
/// offset 0      1 byte   format version, 1
/// offset 1      4 bytes  L, the length of the Data Protection payload (big-endian)
/// offset 5      L bytes  IDataProtector.Protect(data) of the protector (Purpose, session id)
/// offset 5 + L  zeros    filler, up to a total of data length + OverheadBytes
/// </code>
/// Why each part:
/// <list type="bullet">
/// <item>The session id is a Data Protection purpose (a child protector per id). Data Protection binds purposes into the
/// authenticated data and the subkey derivation of every payload, so a record copied to another id fails
/// authentication; no second MAC or key is needed, and key rotation stays Data Protection's own (the payload names its
/// key; any key still in the key ring opens it).</item>
/// <item>The filler makes the stored length exactly the data length + <see cref="OverheadBytes"/>, whatever the cipher's
/// padding, so a listing without data reports the plaintext size (<see cref="PlaintextLength"/>) and a store's
/// MaxDataBytes accounting is exact. The cost: the exact data length is visible at rest (a block cipher already shows
/// it to within a block), and up to <see cref="OverheadBytes"/> per record.</item>
/// <item>Opening checks that the plaintext has exactly that length, so a changed stored length is tampering too.</item>
/// </list>
/// </summary>
internal sealed class SessionSealer
{
    /// <summary>Stored bytes per record beyond the data: the header and the largest payload overhead of Data Protection's
    /// algorithms (AES-256-CBC with HMACSHA512: magic 4, key id 16, key modifier 16, IV 16, padding up to 16, MAC 64 =
    /// 132), rounded up.</summary>
    public const int OverheadBytes = 160;

    private const byte FormatVersion = 1;
    private const int HeaderBytes = 5;

    private readonly IDataProtector _protector;

    public SessionSealer(IDataProtectionProvider dataProtection, string purpose)
    {
        _protector = dataProtection.CreateProtector(purpose);
    }

    /// <summary>The plaintext length of a stored record of <paramref name="storedLength"/> bytes.</summary>
    public static long PlaintextLength(long storedLength) => Math.Max(0, storedLength - OverheadBytes);

    /// <summary>The stored form of <paramref name="data"/> for <paramref name="id"/>: data length + <see cref="OverheadBytes"/> bytes.</summary>
    /// <exception cref="InvalidOperationException">The configured Data Protection algorithm adds more than the format allows.</exception>
    public byte[] Seal(string id, ReadOnlyMemory<byte> data)
    {
        var payload = _protector.CreateProtector(id).Protect(data.ToArray());
        var stored = new byte[data.Length + OverheadBytes];
        if (HeaderBytes + payload.Length > stored.Length)
        {
            throw new InvalidOperationException(
                $"The configured Data Protection algorithm adds {payload.Length - data.Length} bytes to a payload, more than the " +
                $"{OverheadBytes - HeaderBytes} bytes SessionStores.Encryption allows; configure one of Data Protection's built-in algorithms.");
        }

        stored[0] = FormatVersion;
        BinaryPrimitives.WriteInt32BigEndian(stored.AsSpan(1), payload.Length);
        payload.CopyTo(stored, HeaderBytes);
        return stored;
    }

    /// <summary>The data sealed in <paramref name="stored"/> for <paramref name="id"/>, or <see langword="null"/> with the
    /// reason when it does not open (another format, tampered, another id, a key the key ring no longer holds).</summary>
    public byte[]? TryOpen(string id, ReadOnlyMemory<byte> stored, out string failure)
    {
        var span = stored.Span;
        if (span.Length < OverheadBytes || span[0] != FormatVersion)
        {
            failure = "not a sealed record of format version 1";
            return null;
        }

        var payloadLength = BinaryPrimitives.ReadInt32BigEndian(span[1..]);
        if (payloadLength <= 0 || payloadLength > span.Length - HeaderBytes)
        {
            failure = "its header names an impossible payload length";
            return null;
        }

        byte[] data;
        try
        {
            data = _protector.CreateProtector(id).Unprotect(span.Slice(HeaderBytes, payloadLength).ToArray());
        }
        catch (CryptographicException exception)
        {
            failure = exception.Message;
            return null;
        }

        if (data.Length != span.Length - OverheadBytes)
        {
            failure = "its stored length does not match the sealed data";
            return null;
        }

        failure = string.Empty;
        return data;
    }
}
