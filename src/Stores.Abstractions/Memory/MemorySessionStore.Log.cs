using Microsoft.Extensions.Logging;

namespace SessionStores.Memory;

public sealed partial class MemorySessionStore
{
    // Event ids 1000–1099 belong to the in-memory store (docs/adding-a-store.md).
    private static partial class Log
    {
        [LoggerMessage(EventId = 1000, EventName = nameof(Pruned), Level = LogLevel.Debug, Message = "Pruned {Count} expired sessions from memory")]
        public static partial void Pruned(ILogger logger, int count);

        [LoggerMessage(EventId = 1001, EventName = nameof(PruneFailed), Level = LogLevel.Error, Message = "Pruning expired sessions from memory failed")]
        public static partial void PruneFailed(ILogger logger, System.Exception exception);

        [LoggerMessage(EventId = 1002, EventName = nameof(Full), Level = LogLevel.Warning,
            Message = "The in-memory session store is full ({Max} sessions); a new session was refused")]
        public static partial void Full(ILogger logger, int max);
    }
}
