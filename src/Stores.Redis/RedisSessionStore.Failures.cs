using System;
using System.IO;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Threading;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace SessionStores.Redis;

public sealed partial class RedisSessionStore
{
    /// <summary>
    /// Maps what an operation threw to the contract's exceptions: our own exceptions pass through unchanged; once the
    /// caller's token is cancelled the result is an <see cref="OperationCanceledException"/> (the driver's error, if any,
    /// as its inner exception); a key of the wrong Redis type or an undecodable header becomes
    /// <see cref="SessionDataCorruptedException"/>; once the store is disposed, <see cref="ObjectDisposedException"/> passes
    /// through; driver errors become <see cref="SessionStoreException"/>, transient
    /// for connection loss, timeouts and the server's retry-later replies. Anything else (a bug) passes through.
    /// </summary>
    private Exception Failure(Exception exception, string operation, string? id, CancellationToken cancellationToken)
    {
        Exception? mapped = exception switch
        {
            SessionStoreException => null,
            OperationCanceledException when cancellationToken.IsCancellationRequested => null,

            // This store was disposed: the caller sees that, not a connection error it caused.
            ObjectDisposedException when _disposed => null,

            // The caller cancelled: whatever the driver reported meanwhile, the caller sees a cancellation.
            _ when cancellationToken.IsCancellationRequested =>
                new OperationCanceledException("The session store operation was canceled.", exception, cancellationToken),
            RedisServerException server when id is not null && IsCorrupt(server.Message) =>
                new SessionDataCorruptedException(id, server.Message.Contains("WRONGTYPE", StringComparison.Ordinal)
                    ? "the key holds another Redis type than a string"
                    : "the SessionStores header is invalid", server),
            RedisServerException server => new SessionStoreException(
                $"Redis rejected the {operation} operation: {server.Message}", server, IsTransientReply(server.Message)),
            RedisConnectionException or RedisTimeoutException or TimeoutException or SocketException or IOException
                or OperationCanceledException => new SessionStoreException(
                    $"The {operation} operation could not reach Redis: {exception.Message}", exception, isTransient: true),
            RedisException or ObjectDisposedException => new SessionStoreException(
                $"The {operation} operation failed: {exception.Message}", exception, isTransient: false),
            _ => null,
        };

        if (mapped is null)
        {
            ExceptionDispatchInfo.Throw(exception);
        }

        if (mapped is SessionStoreException { IsTransient: true })
        {
            Log.OperationFailed(_logger, operation, SessionValidation.Tag(id), exception);
        }

        return mapped;
    }

    private static bool IsCorrupt(string message) =>
        message.Contains("SESSIONSTORES_CORRUPT", StringComparison.Ordinal) || message.Contains("WRONGTYPE", StringComparison.Ordinal);

    private static bool IsTransientReply(string message) =>
        message.StartsWith("LOADING", StringComparison.Ordinal) || message.StartsWith("BUSY", StringComparison.Ordinal)
        || message.StartsWith("TRYAGAIN", StringComparison.Ordinal) || message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal)
        || message.StartsWith("MASTERDOWN", StringComparison.Ordinal) || message.StartsWith("READONLY", StringComparison.Ordinal)
        || message.StartsWith("MOVED", StringComparison.Ordinal) || message.StartsWith("ASK", StringComparison.Ordinal);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Connecting to Redis failed")]
        public static partial void ConnectFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Redis session {Operation} failed transiently (session {SessionId})")]
        public static partial void OperationFailed(ILogger logger, string operation, string sessionId, Exception exception);

        [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Removed {Count} stale entries from a Redis subject index")]
        public static partial void StaleIndexEntriesRemoved(ILogger logger, int count);

        [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "A Redis subject index update of session {Operation} failed while "
            + "no caller was waiting for it (session {SessionId}); the session, if it exists, may be missing from its subject's listings until it is written again")]
        public static partial void IndexWriteFailed(ILogger logger, string operation, string sessionId, Exception exception);

        [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Redis session {Operation} failed after its caller stopped waiting (session {SessionId})")]
        public static partial void AbandonedOperationFailed(ILogger logger, string operation, string sessionId, Exception exception);
    }
}
