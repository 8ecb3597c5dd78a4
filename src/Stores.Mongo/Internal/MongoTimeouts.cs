using System;
using System.Linq;
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

        // The option names of the query string only: a user name or password may contain any text.
        var query = connectionString.IndexOf('?', StringComparison.Ordinal) is var at and >= 0 ? connectionString[(at + 1)..] : string.Empty;
        var given = query.Split(['&', ';'], StringSplitOptions.RemoveEmptyEntries)
            .Select(option => option.Split('=', 2)[0].Trim())
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!given.Contains("serverSelectionTimeoutMS"))
        {
            settings.ServerSelectionTimeout = operationTimeout;
        }

        if (!given.Contains("connectTimeoutMS"))
        {
            settings.ConnectTimeout = operationTimeout;
        }

        return settings;
    }
}
