using System;

namespace SessionStores.SqlServer.Internal;

/// <summary>A whole row, as Get and GetAndTouch read it (Dapper maps columns by name).</summary>
internal sealed class RecordRow
{
    public string Id { get; set; } = string.Empty;

    public byte[]? Data { get; set; }

    public long Version { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public string? Subject { get; set; }

    /// <summary>Converts, reporting a row the store never writes as corrupt.</summary>
    public SessionRecord ToRecord()
    {
        if (Version < 1 || Data is null)
        {
            throw new SessionDataCorruptedException(Id, Data is null ? "the data is NULL" : $"the version is {Version}, not 1 or more");
        }

        return new SessionRecord(Id, Data, Version, Utc(ExpiresAt), Utc(CreatedAt), Subject);
    }

    internal static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}

/// <summary>A listing row.</summary>
internal sealed class InfoRow
{
    public string Id { get; set; } = string.Empty;

    public long Version { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public string? Subject { get; set; }

    public long? Size { get; set; }

    public byte[]? Data { get; set; }

    public SessionInfo ToInfo(bool includeData)
    {
        if (Version < 1 || Size is null || (includeData && Data is null))
        {
            throw new SessionDataCorruptedException(Id, Size is null ? "the data is NULL" : $"the version is {Version}, not 1 or more");
        }

        return new SessionInfo(Id, Version, RecordRow.Utc(ExpiresAt), RecordRow.Utc(CreatedAt), Subject, Size.Value, includeData ? Data : null);
    }
}

/// <summary>The outcome row of a Set batch: written, or the conflict's live version.</summary>
internal sealed class SetRow
{
    public bool Written { get; set; }

    public long Version { get; set; }
}

/// <summary>One DestroyMany batch: rows deleted, and how many of them were live.</summary>
internal sealed class DestroyManyRow
{
    public long Deleted { get; set; }

    public long Live { get; set; }
}
