using System;

namespace SessionStores.SqlServer.Internal;

/// <summary>
/// How a session is stored and read back: one row of <c>[Id] varchar(256) BIN2</c>, <c>[Data] varbinary(max)</c>,
/// <c>[Version] bigint</c> (1 or more), <c>[ExpiresAt]</c> and <c>[CreatedAt]</c> <c>datetime2(3)</c> in UTC, and
/// <c>[Subject] nvarchar(256) BIN2 NULL</c>. Dapper maps result columns to the row types below by name; a row the
/// store never writes (a version below 1, <c>NULL</c> data) is reported as <see cref="SessionDataCorruptedException"/>,
/// never guessed at.
/// </summary>
internal static class SqlServerCodec
{
    /// <summary>A whole row, as Get and GetAndTouch read it (Dapper maps columns by name).</summary>
    public sealed class RecordRow
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
    public sealed class InfoRow
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
    public sealed class SetRow
    {
        public bool Written { get; set; }

        public long Version { get; set; }
    }

    /// <summary>One DestroyMany batch: rows deleted, and how many of them were live.</summary>
    public sealed class DestroyManyRow
    {
        public long Deleted { get; set; }

        public long Live { get; set; }
    }
}
