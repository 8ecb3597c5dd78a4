using System;
using Microsoft.Extensions.Logging;

namespace SessionStores.Postgres;

// Every log message of the store (event ids 1300–1399). Sessions are never logged; the table names are validated to hold
// no control characters.
public sealed partial class PostgresSessionStore
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1300, EventName = nameof(SchemaEnsured), Level = LogLevel.Information,
            Message = "Session table {Table} is ready (schema version {Version})")]
        public static partial void SchemaEnsured(ILogger logger, string table, int version);

        [LoggerMessage(EventId = 1301, EventName = nameof(UnlockFailed), Level = LogLevel.Warning,
            Message = "Releasing an advisory lock for {Table} failed; the server releases it when the connection closes")]
        public static partial void UnlockFailed(ILogger logger, string table, Exception exception);

        [LoggerMessage(EventId = 1302, EventName = nameof(PruneBatch), Level = LogLevel.Trace,
            Message = "Pruning statement deleted {Count} expired sessions from {Table}")]
        public static partial void PruneBatch(ILogger logger, int count, string table);

        [LoggerMessage(EventId = 1303, EventName = nameof(Pruned), Level = LogLevel.Debug,
            Message = "Pruned {Count} expired sessions from {Table} in {Batches} statements")]
        public static partial void Pruned(ILogger logger, long count, int batches, string table);

        [LoggerMessage(EventId = 1304, EventName = nameof(PruneSkipped), Level = LogLevel.Debug,
            Message = "Skipped pruning {Table}: another instance holds the pruning lock")]
        public static partial void PruneSkipped(ILogger logger, string table);

        [LoggerMessage(EventId = 1305, EventName = nameof(PruneFailed), Level = LogLevel.Error,
            Message = "Pruning expired sessions from {Table} failed; the next pass retries")]
        public static partial void PruneFailed(ILogger logger, string table, Exception exception);

        [LoggerMessage(EventId = 1306, EventName = nameof(LeaseListenFailed), Level = LogLevel.Warning,
            Message = "Listening for lease releases of {Table} failed; retrying in about {Backoff} (waiters re-check on their own meanwhile)")]
        public static partial void LeaseListenFailed(ILogger logger, string table, TimeSpan backoff, Exception exception);

        [LoggerMessage(EventId = 1307, EventName = nameof(AnnounceFailed), Level = LogLevel.Warning,
            Message = "Telling near caches about a bulk delete of {Table} that failed part-way or whose caller cancelled it also failed; they serve what it deleted until their entry age passes")]
        public static partial void AnnounceFailed(ILogger logger, string table, Exception exception);

        [LoggerMessage(EventId = 1308, EventName = nameof(AnnouncementsLost), Level = LogLevel.Warning,
            Message = "Telling near caches about writes to {Table} failed; the next announcement that gets through flushes every cache")]
        public static partial void AnnouncementsLost(ILogger logger, string table, Exception exception);

        [LoggerMessage(EventId = 1309, EventName = nameof(AnnouncerStillSending), Level = LogLevel.Warning,
            Message = "The store for {Table} was disposed while its last near-cache announcements were still being sent after {Timeout}; a send that fails from here on is reported as lost")]
        public static partial void AnnouncerStillSending(ILogger logger, string table, TimeSpan timeout);
    }
}
