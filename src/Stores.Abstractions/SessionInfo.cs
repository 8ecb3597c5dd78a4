using System;

namespace SessionStores;

/// <summary>One live session as listed by <see cref="ISessionStore.ListAsync"/>.</summary>
public sealed class SessionInfo
{
    /// <summary>Creates a listing entry.</summary>
    /// <param name="id">The session id.</param>
    /// <param name="version">The version.</param>
    /// <param name="expiresAt">When it expires.</param>
    /// <param name="createdAt">When it was created.</param>
    /// <param name="subject">Its subject, if any.</param>
    /// <param name="size">The size of its data in bytes.</param>
    /// <param name="data">Its data when the query asked for it, else <see langword="null"/>.</param>
    public SessionInfo(string id, long version, DateTimeOffset expiresAt, DateTimeOffset createdAt, string? subject, long size, ReadOnlyMemory<byte>? data)
    {
        Id = id;
        Version = version;
        ExpiresAt = expiresAt;
        CreatedAt = createdAt;
        Subject = subject;
        Size = size;
        Data = data;
    }

    /// <summary>Creates a listing entry from a byte array: a <see langword="null"/> array means "no data" (the query did
    /// not ask for it), not present and empty (which the implicit array-to-memory conversion would make of it).</summary>
    /// <param name="id">The session id.</param>
    /// <param name="version">The version.</param>
    /// <param name="expiresAt">When it expires.</param>
    /// <param name="createdAt">When it was created.</param>
    /// <param name="subject">Its subject, if any.</param>
    /// <param name="size">The size of its data in bytes.</param>
    /// <param name="data">Its data when the query asked for it, else <see langword="null"/>.</param>
    public SessionInfo(string id, long version, DateTimeOffset expiresAt, DateTimeOffset createdAt, string? subject, long size, byte[]? data)
        : this(id, version, expiresAt, createdAt, subject, size, data is null ? (ReadOnlyMemory<byte>?)null : new ReadOnlyMemory<byte>(data))
    {
    }

    /// <summary>The session id.</summary>
    public string Id { get; }

    /// <summary>The version.</summary>
    public long Version { get; }

    /// <summary>When the session expires.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>When the session was created.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The subject, or <see langword="null"/>.</summary>
    public string? Subject { get; }

    /// <summary>The size of the data in bytes.</summary>
    public long Size { get; }

    /// <summary>The data when <see cref="SessionQuery.IncludeData"/> was set; otherwise <see langword="null"/>.</summary>
    public ReadOnlyMemory<byte>? Data { get; }
}
