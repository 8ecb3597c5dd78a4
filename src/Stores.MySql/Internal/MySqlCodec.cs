using System;

namespace SessionStores.MySql.Internal;

/// <summary>
/// How a session is stored in MySQL and read back.
/// </summary>
/// <remarks>
/// <para>TODO(store): describe the stored format here, once, field by field (what each holds, its type and unit; the
/// expiry as the server's clock keeps it; the version, 1 or more; the subject or nothing), and how a future format
/// would be told apart.</para>
/// <para>What cannot be decoded is a <see cref="SessionDataCorruptedException"/> naming the session and the reason,
/// never a default value: the read that met it throws (see that type for the policy).</para>
/// </remarks>
internal static class MySqlCodec
{
    /// <summary>The stored form of a write.</summary>
    /// <param name="write">The validated write.</param>
    /// <param name="version">The version it gets.</param>
    /// <returns>What the backend stores.</returns>
    public static ReadOnlyMemory<byte> Encode(in SessionWrite write, long version) =>
        // TODO(store): the stored form, as the format above describes it (a row's parameters need no codec: drop this).
        throw new NotImplementedException($"TODO(store): {nameof(MySqlCodec)}.{nameof(Encode)} of version {version}, {write.Data.Length} bytes");

    /// <summary>Reads a stored session back.</summary>
    /// <param name="id">The session id, for <see cref="SessionDataCorruptedException"/>.</param>
    /// <param name="stored">What the backend returned.</param>
    /// <returns>The record.</returns>
    /// <exception cref="SessionDataCorruptedException"><paramref name="stored"/> cannot be decoded.</exception>
    public static SessionRecord Decode(string id, ReadOnlyMemory<byte> stored) =>
        // TODO(store): decode; a version below 1, an expiry before the creation or a truncated value is corrupt data.
        throw new NotImplementedException($"TODO(store): {nameof(MySqlCodec)}.{nameof(Decode)} of session {SessionValidation.Tag(id)}, {stored.Length} bytes");
}
