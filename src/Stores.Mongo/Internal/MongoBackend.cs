using System;
using System.IO;
using MongoDB.Bson;
using MongoDB.Driver;

namespace SessionStores.Mongo.Internal;

/// <summary>MongoDB as the operation runner sees it: its names, and which driver exceptions are failures and which of
/// them may pass by retrying.</summary>
internal sealed class MongoBackend : SessionStoreBackend
{
    public static readonly MongoBackend Instance = new();

    private MongoBackend()
        : base("MongoDB", "mongodb")
    {
    }

    /// <summary>What the driver, the BSON layer and the network throw; anything else is a bug and passes unchanged.</summary>
    public override bool IsFailure(Exception exception) =>
        exception is MongoException or BsonException or TimeoutException or IOException or System.Net.Sockets.SocketException;

    /// <summary>Connection loss, timeouts, elections and shutdowns may pass; anything else (auth, bad options, a
    /// document the server rejects) will fail again.</summary>
    public override bool IsTransient(Exception exception) => exception switch
    {
        // A subclass of MongoConnectionException, but wrong credentials do not heal by retrying.
        MongoAuthenticationException => false,
        MongoConnectionException or MongoExecutionTimeoutException or MongoNotPrimaryException
            or MongoNodeIsRecoveringException or MongoWaitQueueFullException or TimeoutException => true,
        MongoException mongo when mongo.HasErrorLabel("RetryableWriteError") || mongo.HasErrorLabel("TransientTransactionError") => true,
        MongoCommandException { Code: 6 or 7 or 89 or 91 or 189 or 262 or 9001 or 10107 or 11600 or 11602 or 13435 or 13436 } => true,
        _ => false,
    };
}
