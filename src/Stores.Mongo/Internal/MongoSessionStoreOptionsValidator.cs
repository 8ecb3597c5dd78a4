using System;
using System.Collections.Generic;
using System.Text;

namespace SessionStores.Mongo.Internal;

/// <summary>The one validator of <see cref="MongoSessionStoreOptions"/>, used by the store's constructor and by
/// dependency injection: the connection, and database and collection names MongoDB accepts, before anything is sent.</summary>
internal sealed class MongoSessionStoreOptionsValidator : SessionStoreOptionsValidator<MongoSessionStoreOptions>
{
    public static readonly MongoSessionStoreOptionsValidator Instance = new();

    protected override void Validate(MongoSessionStoreOptions options, ICollection<string> problems)
    {
        if (options.Client is null && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            problems.Add("Set MongoSessionStoreOptions.ConnectionString or MongoSessionStoreOptions.Client.");
        }

        if (string.IsNullOrEmpty(options.DatabaseName) || Encoding.UTF8.GetByteCount(options.DatabaseName) > 63
            || options.DatabaseName.AsSpan().IndexOfAny("/\\. \"$*<>:|?\0") >= 0)
        {
            problems.Add("MongoSessionStoreOptions.DatabaseName must be 1 to 63 bytes without any of / \\ . space \" $ * < > : | ?.");
        }

        if (string.IsNullOrEmpty(options.CollectionName) || Encoding.UTF8.GetByteCount(options.CollectionName) > 200
            || options.CollectionName.AsSpan().IndexOfAny("$\0") >= 0 || options.CollectionName.StartsWith("system.", StringComparison.Ordinal))
        {
            problems.Add("MongoSessionStoreOptions.CollectionName must be 1 to 200 bytes, without $ or NUL, and must not start with 'system.'.");
        }

        // Zero and below are the shared rule's.
        if (options.MaxDataBytes > MongoSessionStoreOptions.MaxSupportedDataBytes)
        {
            problems.Add($"MongoSessionStoreOptions.MaxDataBytes must be 1 to {MongoSessionStoreOptions.MaxSupportedDataBytes} (documents are limited to 16 MiB).");
        }
    }
}
