using System;
using StackExchange.Redis;

namespace SessionStores.Redis.Internal;

/// <summary>
/// The configuration of a connection a store opens itself (never one the application shares): a copy that keeps
/// reconnecting when Redis is down at start-up instead of failing for good (operations fail transiently meanwhile), whose
/// driver timeouts agree with the operation timeout (<see cref="RedisTimeouts"/>), and whose error messages name no key:
/// detailed exceptions name the keys, and a key holds a session id, a bearer secret in every error log. The connect-redis
/// profile of SessionStores.ExpressCompat opens its connection the same way.
/// </summary>
internal static class RedisOwnedConfiguration
{
    public static ConfigurationOptions Create(ConfigurationOptions? configuration, string? connectionString, TimeSpan operationTimeout)
    {
        var owned = configuration?.Clone() ?? ConfigurationOptions.Parse(connectionString!);
        owned.AbortOnConnectFail = false;
        RedisTimeouts.Apply(owned, operationTimeout);
        owned.IncludeDetailInExceptions = false;
        return owned;
    }
}
