using System;

namespace SessionStores.Memcached;

/// <summary>Options of <see cref="MemcachedSessionStore"/>.</summary>
public sealed class MemcachedSessionStoreOptions : SessionStoreOptions
{
    /// <summary>The longest <see cref="KeyPrefix"/>.</summary>
    public const int MaxKeyPrefixLength = 63;

    /// <summary>memcached's default item size limit (its <c>-I</c> option): 1 MiB.</summary>
    public const int DefaultMaxItemBytes = 1024 * 1024;

    /// <summary>
    /// The memcached servers: <c>host[:port]</c> entries separated by commas (port 11211 when left out), for example
    /// <c>cache1:11211,cache2:11211,cache3:11211</c>. Sessions are spread over them by consistent hashing (ketama), so
    /// every application instance must list the same servers. Required. Default: <see langword="null"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The prefix of every key this store writes (<c>&lt;prefix&gt;:&lt;id&gt;</c>): stores with different prefixes share
    /// servers without seeing each other's sessions. Letters, digits and underscores, starting with a letter, at most
    /// <see cref="MaxKeyPrefixLength"/> characters. Default: <c>sessions</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = "sessions";

    /// <summary>
    /// The servers' item size limit, as their <c>-I</c> option sets it: a session whose stored item (key, an 18-byte
    /// header, subject and data, plus about 100 bytes the server adds) would exceed it is refused with an
    /// <see cref="ArgumentException"/> before any I/O, instead of failing on the server. 1 KiB to 1 GiB. Default: 1 MiB
    /// (memcached's default), so the largest session payload is a little under 1 MiB; raise both <c>-I</c> and this to
    /// store more.
    /// </summary>
    public int MaxItemBytes { get; set; } = DefaultMaxItemBytes;

    /// <summary>Connections kept to each server; requests are pipelined on them, and a session's requests always take the
    /// same one (so they run in the order sent). 1 to 64. Default: 2.</summary>
    public int ConnectionsPerServer { get; set; } = 2;

    /// <summary>How long opening a connection may take; a server that refuses one, or does not accept it in time, is
    /// dead for <see cref="DeadServerRetryInterval"/>. Greater than zero, at most 1 minute. Default: 1 second.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a dead server is passed over: its sessions are then absent (new sessions start on the next live server
    /// on the ring) instead of every request waiting for it; after the interval the next request due to it tries it
    /// again. Going down and coming back are logged (Warning, Information). 100 ms to 1 hour. Default: 30 seconds.
    /// </summary>
    public TimeSpan DeadServerRetryInterval { get; set; } = TimeSpan.FromSeconds(30);
}
