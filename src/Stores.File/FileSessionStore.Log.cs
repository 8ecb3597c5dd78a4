using System;
using Microsoft.Extensions.Logging;

namespace SessionStores.File;

public sealed partial class FileSessionStore
{
    // Event ids 1100–1199 belong to the file store (docs/adding-a-store.md).
    private static partial class Log
    {
        [LoggerMessage(EventId = 1100, EventName = nameof(Pruned), Level = LogLevel.Debug,
            Message = "Pruned {Sessions} expired session files and {TemporaryFiles} orphaned temporary files ({Inspected} entries inspected)")]
        public static partial void Pruned(ILogger logger, int sessions, int temporaryFiles, int inspected);

        [LoggerMessage(EventId = 1101, EventName = nameof(PruneFailed), Level = LogLevel.Error,
            Message = "Pruning expired session files failed; the next pass retries")]
        public static partial void PruneFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1102, EventName = nameof(CorruptFileKept), Level = LogLevel.Warning,
            Message = "The session file of {SessionTag} cannot be decoded ({Reason}); pruning keeps it. Destroy the session to remove it")]
        public static partial void CorruptFileKept(ILogger logger, string sessionTag, string reason);

        [LoggerMessage(EventId = 1103, EventName = nameof(CleanupFailed), Level = LogLevel.Warning,
            Message = "Cleaning up a leftover file in {Area} failed; it is harmless and will be retried")]
        public static partial void CleanupFailed(ILogger logger, string area, Exception exception);

        [LoggerMessage(EventId = 1104, EventName = nameof(LeaseWatcherFailed), Level = LogLevel.Warning,
            Message = "Watching {Directory} for lease releases failed; waiters re-check on their own (with a growing delay) instead of being woken")]
        public static partial void LeaseWatcherFailed(ILogger logger, string directory, Exception exception);
    }
}
