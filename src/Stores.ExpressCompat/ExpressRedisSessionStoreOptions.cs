using System;
using StackExchange.Redis;

namespace SessionStores.ExpressCompat;

/// <summary>Options of <see cref="ExpressRedisSessionStore"/>: where connect-redis keeps the Express app's sessions.</summary>
public sealed class ExpressRedisSessionStoreOptions : SessionStoreOptions
{
    /// <summary>A StackExchange.Redis connection string; used when <see cref="ConnectionMultiplexer"/> is not set. The store
    /// then opens its own connection as <c>RedisSessionStore</c> does: it keeps reconnecting when Redis is down at start-up,
    /// its driver timeouts follow <see cref="SessionStoreOptions.OperationTimeout"/> (unless the string sets them), and its
    /// error messages name no key. Default: <see langword="null"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>An existing connection to share (the application's multiplexer); it is not disposed by the store.
    /// Default: <see langword="null"/>.</summary>
    public IConnectionMultiplexer? ConnectionMultiplexer { get; set; }

    /// <summary>connect-redis's <c>prefix</c>: the key of a session is this prefix + its id. Default: <c>sess:</c>
    /// (connect-redis's default).</summary>
    public string KeyPrefix { get; set; } = "sess:";

    /// <summary>The Redis database; -1 is the connection's default. Default: -1.</summary>
    public int Database { get; set; } = -1;

    /// <summary>connect-redis's <c>ttl</c>: the lifetime of a session whose cookie has no <c>expires</c> (a browser-session
    /// cookie). Default: 1 day (connect-redis's default, 86400 seconds).</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromDays(1);
}
