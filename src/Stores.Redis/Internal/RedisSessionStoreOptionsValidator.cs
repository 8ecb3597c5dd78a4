using System;
using System.Collections.Generic;

namespace SessionStores.Redis.Internal;

/// <summary>The one validator of <see cref="RedisSessionStoreOptions"/>: the store's constructor and dependency injection
/// both use it.</summary>
internal sealed class RedisSessionStoreOptionsValidator : SessionStoreOptionsValidator<RedisSessionStoreOptions>
{
    /// <summary>The one instance the store's constructor uses (the validator holds no state).</summary>
    public static readonly RedisSessionStoreOptionsValidator Instance = new();

    /// <summary>Redis's largest string (512 MiB) less room for the header and the longest subject.</summary>
    private const int MaxDataBytes = (512 * 1024 * 1024) - 1024;

    protected override void Validate(RedisSessionStoreOptions options, ICollection<string> problems)
    {
        var sources = (string.IsNullOrWhiteSpace(options.ConnectionString) ? 0 : 1) + (options.Configuration is null ? 0 : 1)
            + (options.ConnectionMultiplexer is null ? 0 : 1);
        if (sources != 1)
        {
            problems.Add("Set exactly one of RedisSessionStoreOptions.ConnectionString, RedisSessionStoreOptions.Configuration or "
                + "RedisSessionStoreOptions.ConnectionMultiplexer (with dependency injection, registering an IConnectionMultiplexer also works).");
        }

        if (string.IsNullOrEmpty(options.KeyPrefix))
        {
            problems.Add("RedisSessionStoreOptions.KeyPrefix must not be empty: it is the store's namespace, and without one every "
                + "s{...} key of the database would be listed, counted and destroyed as a session of this store.");
        }
        else if (options.KeyPrefix.Contains('{', StringComparison.Ordinal) || options.KeyPrefix.Contains('}', StringComparison.Ordinal))
        {
            problems.Add("RedisSessionStoreOptions.KeyPrefix must not contain '{' or '}' (the store adds its own Redis Cluster hash tags).");
        }

        if (options.MaxDataBytes > MaxDataBytes)
        {
            problems.Add($"RedisSessionStoreOptions.MaxDataBytes must leave room for the header within Redis's 512 MiB string limit (at most {MaxDataBytes}).");
        }

        if (options.Database < -1)
        {
            problems.Add("RedisSessionStoreOptions.Database must be -1 (the connection's default) or a database number.");
        }
    }
}
