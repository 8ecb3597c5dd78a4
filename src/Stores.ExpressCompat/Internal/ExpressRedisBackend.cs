using System;
using System.IO;
using System.Net.Sockets;
using StackExchange.Redis;

namespace SessionStores.ExpressCompat.Internal;

/// <summary>Which StackExchange.Redis exceptions are backend failures, and which of them are worth retrying.</summary>
internal sealed class ExpressRedisBackend() : SessionStoreBackend("Redis (connect-redis format)", "redis")
{
    public override bool IsFailure(Exception exception) =>
        exception is RedisException or TimeoutException or SocketException or IOException;

    public override bool IsTransient(Exception exception) =>
        exception is RedisConnectionException or RedisTimeoutException or TimeoutException or SocketException or IOException;
}
