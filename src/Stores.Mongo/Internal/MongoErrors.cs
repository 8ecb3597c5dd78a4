using System;
using MongoDB.Driver;

namespace SessionStores.Mongo.Internal;

/// <summary>Turns driver exceptions into the store's exception family.</summary>
internal static class MongoErrors
{
    public const int DuplicateKeyCode = 11000;

    public static bool IsDuplicateKey(Exception ex) => ex switch
    {
        MongoWriteException write => write.WriteError?.Category == ServerErrorCategory.DuplicateKey,
        MongoCommandException command => command.Code == DuplicateKeyCode,
        _ => false,
    };

    /// <summary>Connection loss, timeouts, elections and shutdowns may pass; anything else (auth, bad options, a
    /// document the server rejects) will fail again.</summary>
    public static bool IsTransient(Exception ex) => ex switch
    {
        // A subclass of MongoConnectionException, but wrong credentials do not heal by retrying.
        MongoAuthenticationException => false,
        MongoConnectionException or MongoExecutionTimeoutException or MongoNotPrimaryException
            or MongoNodeIsRecoveringException or MongoWaitQueueFullException or TimeoutException => true,
        MongoException mongo when mongo.HasErrorLabel("RetryableWriteError") || mongo.HasErrorLabel("TransientTransactionError") => true,
        MongoCommandException { Code: 6 or 7 or 89 or 91 or 189 or 262 or 9001 or 10107 or 11600 or 11602 or 13435 or 13436 } => true,
        _ => false,
    };

    public static SessionStoreException Wrap(string operation, Exception ex) =>
        new($"The MongoDB session store's '{operation}' failed: {ex.Message}", ex, IsTransient(ex));
}
