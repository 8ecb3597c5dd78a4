using System;
using Microsoft.Extensions.Logging;

namespace SessionStores.Memcached;

// Every log message of the store. EventIds come from this store's range in the logging table of
// docs/adding-a-store.md, in order; EventName is the method's name. Never session data; ids only as {SessionTag}.
public sealed partial class MemcachedSessionStore
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1700, EventName = nameof(ServerDown), Level = LogLevel.Warning,
            Message = "Memcached server {Server} is unreachable; its sessions are lost, and its keys go to the next live server for {RetryInterval}")]
        public static partial void ServerDown(ILogger logger, string server, TimeSpan retryInterval, Exception exception);

        [LoggerMessage(EventId = 1701, EventName = nameof(ServerStillDown), Level = LogLevel.Debug,
            Message = "Memcached server {Server} is still unreachable; tried again in {RetryInterval}")]
        public static partial void ServerStillDown(ILogger logger, string server, TimeSpan retryInterval, Exception exception);

        [LoggerMessage(EventId = 1702, EventName = nameof(ServerUp), Level = LogLevel.Information,
            Message = "Memcached server {Server} accepts connections again; its keys go back to it")]
        public static partial void ServerUp(ILogger logger, string server);
    }
}
