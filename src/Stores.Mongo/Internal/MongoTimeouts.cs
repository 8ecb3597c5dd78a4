using System;
using MongoDB.Driver;

namespace SessionStores.Mongo.Internal;

/// <summary>
/// The driver timeouts of a client the store creates itself, made to agree with
/// <see cref="SessionStoreOptions.OperationTimeout"/> so that the driver gives up too, not only the caller: choosing a
/// server (<c>serverSelectionTimeoutMS</c>) and opening a connection (<c>connectTimeoutMS</c>). A value the connection
/// string sets explicitly wins.
/// </summary>
internal static class MongoTimeouts
{
    public static MongoClientSettings Settings(string connectionString, TimeSpan operationTimeout)
    {
        var settings = MongoClientSettings.FromConnectionString(connectionString);
        if (!connectionString.Contains("serverSelectionTimeoutMS=", StringComparison.OrdinalIgnoreCase))
        {
            settings.ServerSelectionTimeout = operationTimeout;
        }

        if (!connectionString.Contains("connectTimeoutMS=", StringComparison.OrdinalIgnoreCase))
        {
            settings.ConnectTimeout = operationTimeout;
        }

        return settings;
    }
}
