using System;
using StackExchange.Redis;

namespace SessionStores.Redis.Internal;

/// <summary>
/// The StackExchange.Redis timeouts of a connection the store makes itself, made to agree with
/// <see cref="SessionStoreOptions.OperationTimeout"/> so that the driver gives up too, not only the caller: a command
/// (<c>asyncTimeout</c>, <c>syncTimeout</c>) and a connection attempt (<c>connectTimeout</c>). A value the connection
/// string or configuration sets explicitly wins.
/// </summary>
internal static class RedisTimeouts
{
    public static void Apply(ConfigurationOptions configuration, TimeSpan operationTimeout)
    {
        // ToString lists only the options that were set, each as "name=value".
        var given = "," + configuration.ToString(includePassword: false) + ",";
        var milliseconds = (int)Math.Clamp(Math.Ceiling(operationTimeout.TotalMilliseconds), 1, int.MaxValue);
        if (!IsSet(given, "asyncTimeout"))
        {
            configuration.AsyncTimeout = milliseconds;
        }

        if (!IsSet(given, "syncTimeout"))
        {
            configuration.SyncTimeout = milliseconds;
        }

        if (!IsSet(given, "connectTimeout"))
        {
            configuration.ConnectTimeout = milliseconds;
        }
    }

    private static bool IsSet(string given, string option) => given.Contains("," + option + "=", StringComparison.OrdinalIgnoreCase);
}
