using System;
using Microsoft.Extensions.Logging;

namespace SessionStores.File;

public sealed partial class FileSessionStore
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Reaped {Sessions} expired session files and {TemporaryFiles} orphaned temporary files ({Inspected} entries inspected)")]
        public static partial void Reaped(ILogger logger, int sessions, int temporaryFiles, int inspected);

        [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Reaping expired session files failed; the next pass retries")]
        public static partial void ReapFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "The session file of {SessionId} cannot be decoded ({Reason}); the reaper keeps it. Destroy the session to remove it")]
        public static partial void CorruptFileKept(ILogger logger, string sessionId, string reason);

        [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Cleaning up a leftover file in {Area} failed; it is harmless and will be retried")]
        public static partial void CleanupFailed(ILogger logger, string area, Exception exception);
    }
}
