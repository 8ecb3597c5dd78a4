using System;

namespace SessionStores;

/// <summary>A live session as read from a store.</summary>
public sealed class SessionRecord
{
    /// <summary>Creates a record.</summary>
    /// <param name="id">The session id.</param>
    /// <param name="data">The stored bytes, bit-exact.</param>
    /// <param name="version">The version, 1 or more.</param>
    /// <param name="expiresAt">When the session expires, to the millisecond.</param>
    /// <param name="createdAt">When the session was created (kept across updates).</param>
    /// <param name="subject">The subject (user id) the session is bound to, if any.</param>
    public SessionRecord(string id, ReadOnlyMemory<byte> data, long version, DateTimeOffset expiresAt, DateTimeOffset createdAt, string? subject)
    {
        Id = id;
        Data = data;
        Version = version;
        ExpiresAt = expiresAt;
        CreatedAt = createdAt;
        Subject = subject;
    }

    /// <summary>The session id.</summary>
    public string Id { get; }

    /// <summary>The stored bytes, exactly as written.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The version: 1 after creation, +1 on each successful write.</summary>
    public long Version { get; }

    /// <summary>When the session expires (UTC, millisecond precision).</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>When the session was created; unchanged by later writes and touches.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The subject (for example a user id), or <see langword="null"/>.</summary>
    public string? Subject { get; }
}
