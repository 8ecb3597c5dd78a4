using Microsoft.Extensions.Logging;

namespace SessionStores.Encryption;

public partial class EncryptedSessionStore
{
    // Event ids 1950–1999 belong to the encryption decorator (docs/adding-a-store.md).
    private static partial class Log
    {
        [LoggerMessage(EventId = 1950, EventName = nameof(RecordNotOpened), Level = LogLevel.Warning,
            Message = "Session {SessionTag}: the stored record does not open ({Reason}) and is treated as absent; it was tampered with, copied from another session id, written unencrypted, or sealed with a key the key ring no longer holds")]
        public static partial void RecordNotOpened(ILogger logger, string sessionTag, string reason);
    }
}
