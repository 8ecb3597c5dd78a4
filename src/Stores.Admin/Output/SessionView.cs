using System;

namespace SessionStores.Admin.Output;

/// <summary>A session as the tool prints it, from a listing or from a read.</summary>
internal sealed record SessionView(
    string Id, string? Subject, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, long Version, long Size, ReadOnlyMemory<byte>? Data)
{
    public static SessionView From(SessionInfo info, bool includeData) =>
        new(info.Id, info.Subject, info.CreatedAt, info.ExpiresAt, info.Version, info.Size, includeData ? info.Data : default(ReadOnlyMemory<byte>?));

    public static SessionView From(SessionRecord record, bool includeData) =>
        new(record.Id, record.Subject, record.CreatedAt, record.ExpiresAt, record.Version, record.Data.Length, includeData ? record.Data : default(ReadOnlyMemory<byte>?));

    /// <summary>A timestamp as the human output prints it: UTC, to the second.</summary>
    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
