using System;
using Microsoft.Extensions.Logging;

namespace SessionStores.MySql;

// Every log message of the store. EventIds come from this store's range in the logging table of
// docs/adding-a-store.md, in order; EventName is the method's name. Never session data; ids only as {SessionTag}.
public sealed partial class MySqlSessionStore
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1600, EventName = nameof(SchemaReady), Level = LogLevel.Information,
            Message = "The MySQL session table {Table} was created")]
        public static partial void SchemaReady(ILogger logger, string table);

        [LoggerMessage(EventId = 1601, EventName = nameof(Pruned), Level = LogLevel.Debug,
            Message = "Pruned {Count} expired sessions in {Batches} batches")]
        public static partial void Pruned(ILogger logger, long count, int batches);

        [LoggerMessage(EventId = 1602, EventName = nameof(PruneFailed), Level = LogLevel.Error,
            Message = "Pruning expired sessions failed; the next interval tries again")]
        public static partial void PruneFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1603, EventName = nameof(UnlockFailed), Level = LogLevel.Warning,
            Message = "Releasing a named lock of the session table {Table} failed; the server releases it with the connection")]
        public static partial void UnlockFailed(ILogger logger, string table, Exception exception);
    }
}
