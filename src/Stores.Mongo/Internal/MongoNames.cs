using System;
using System.Text;

namespace SessionStores.Mongo.Internal;

/// <summary>Checks the database and collection names of the options before anything is sent.</summary>
internal static class MongoNames
{
    /// <summary>Returns what is wrong with the options, or <see langword="null"/>.</summary>
    public static string? Problem(MongoSessionStoreOptions options)
    {
        if (options.Client is null && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return "Set MongoSessionStoreOptions.ConnectionString or MongoSessionStoreOptions.Client.";
        }

        if (string.IsNullOrEmpty(options.DatabaseName) || Encoding.UTF8.GetByteCount(options.DatabaseName) > 63
            || options.DatabaseName.AsSpan().IndexOfAny("/\\. \"$*<>:|?\0") >= 0)
        {
            return "MongoSessionStoreOptions.DatabaseName must be 1 to 63 bytes without any of / \\ . space \" $ * < > : | ?.";
        }

        if (string.IsNullOrEmpty(options.CollectionName) || Encoding.UTF8.GetByteCount(options.CollectionName) > 200
            || options.CollectionName.AsSpan().IndexOfAny("$\0") >= 0 || options.CollectionName.StartsWith("system.", StringComparison.Ordinal))
        {
            return "MongoSessionStoreOptions.CollectionName must be 1 to 200 bytes, without $ or NUL, and must not start with 'system.'.";
        }

        if (SessionStoreOperationRunner.ValidateOperationTimeout(options.OperationTimeout, nameof(MongoSessionStoreOptions)) is { } timeoutProblem)
        {
            return timeoutProblem;
        }

        if (options.MaxDataBytes is <= 0 or > MongoSessionStoreOptions.MaxSupportedDataBytes)
        {
            return $"MongoSessionStoreOptions.MaxDataBytes must be 1 to {MongoSessionStoreOptions.MaxSupportedDataBytes} (documents are limited to 16 MiB).";
        }

        return null;
    }
}
