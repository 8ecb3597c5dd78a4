using System;
using System.IO;
using System.Net.Sockets;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionStores.Redis.Internal;

/// <summary>
/// Redis as the operation runner sees it. Failures are StackExchange.Redis's exceptions and the network's; transient are
/// connection loss, timeouts and the server's retry-later replies (loading, busy script, cluster resharding or failover,
/// a replica that is not yet a primary). The store's own disposal is no failure: its <see cref="ObjectDisposedException"/>
/// passes to the caller as it is, while a multiplexer disposed under the store by the application is one.
/// </summary>
/// <remarks>
/// Nothing is redacted: the store turns <see cref="ConfigurationOptions.IncludeDetailInExceptions"/> off on the
/// connection it makes, so the driver's messages name no key (a key holds a session id).
/// </remarks>
internal sealed class RedisBackend(Func<bool> isDisposed) : SessionStoreBackend("Redis", "redis")
{
    private static readonly string[] TransientReplies = ["LOADING", "BUSY", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "READONLY", "MOVED", "ASK"];

    public override bool IsFailure(Exception exception) => exception switch
    {
        ObjectDisposedException => !isDisposed(),
        RedisException or TimeoutException or SocketException or IOException => true,
        _ => false,
    };

    public override bool IsTransient(Exception exception) => exception switch
    {
        RedisServerException server => Array.Exists(TransientReplies, reply => server.Message.StartsWith(reply, StringComparison.Ordinal)),
        RedisConnectionException or TimeoutException or SocketException or IOException => true,
        _ => false,
    };

    /// <summary>
    /// What a session's command threw, when it says the session's own record is not a session: a key of another Redis
    /// type (<c>WRONGTYPE</c>) or a header a script refused (<c>SESSIONSTORES_CORRUPT</c>). Only where the operation knows
    /// the session's id can it say so (the runner cannot); anything else is the runner's to map.
    /// </summary>
    public static SessionDataCorruptedException? Corruption(string id, Exception exception) =>
        exception is RedisServerException server && IsCorrupt(server)
            ? new SessionDataCorruptedException(id, server.Message.Contains("WRONGTYPE", StringComparison.Ordinal)
                ? "the key holds another Redis type than a string"
                : "the SessionStores header is invalid", server)
            : null;

    /// <summary>Awaits a command of session <paramref name="id"/>, reporting its record as corrupt when the server says so
    /// (see <see cref="Corruption"/>).</summary>
    public static Task<T> ForSession<T>(Task<T> command, string id) =>
        command.IsCompletedSuccessfully ? command : ForSessionAsync(command, id);

    private static bool IsCorrupt(RedisServerException server) =>
        server.Message.Contains("SESSIONSTORES_CORRUPT", StringComparison.Ordinal) || server.Message.Contains("WRONGTYPE", StringComparison.Ordinal);

    private static async Task<T> ForSessionAsync<T>(Task<T> command, string id)
    {
        try
        {
            return await command.ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (IsCorrupt(ex))
        {
            throw Corruption(id, ex)!;
        }
    }
}
