using System;
using System.IO;
using System.Net.Sockets;

namespace SessionStores.Memcached.Internal;

/// <summary>
/// Memcached as the operation runner sees it: its names, and which of the client's exceptions are backend failures
/// (wrapped in <see cref="SessionStoreException"/>) and which of those pass by retrying.
/// </summary>
internal sealed class MemcachedBackend : SessionStoreBackend
{
    /// <summary>The one instance: the backend holds no state.</summary>
    public static readonly MemcachedBackend Instance = new();

    private MemcachedBackend()
        : base("Memcached", "memcached")
    {
    }

    /// <inheritdoc />
    public override bool IsFailure(Exception exception) =>
        exception is MemcachedException or MemcachedServerUnreachableException or SocketException or IOException;

    /// <inheritdoc />
    /// <remarks>Connection trouble is transient (a server restarts, a dead one is passed over); an error reply
    /// (<c>SERVER_ERROR</c>, <c>CLIENT_ERROR</c>) repeats when retried.</remarks>
    public override bool IsTransient(Exception exception) =>
        exception is MemcachedException { IsTransient: true } or MemcachedServerUnreachableException or SocketException or IOException;
}
