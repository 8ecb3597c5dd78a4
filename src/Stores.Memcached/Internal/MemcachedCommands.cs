using System;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace SessionStores.Memcached.Internal;

/// <summary>
/// The meta commands the store sends, written once for a key prefix: the key layout, the request lines and the
/// server-side TTL. The store's partials only run them.
/// </summary>
/// <remarks>
/// Every request asks for a reply (none is quiet), so a connection's replies pair with its requests in order.
/// <list type="bullet">
/// <item><c>mg &lt;key&gt; v c t f</c>: read (value, CAS token, seconds left, client flags); <c>EN</c> when absent or expired.</item>
/// <item>the same with <c>T&lt;ttl&gt;</c>: read and touch in one round trip.</item>
/// <item><c>mg &lt;key&gt; f</c>, then <c>mg &lt;key&gt; T&lt;ttl&gt;</c>: touch, after checking the format marker, without rewriting data.</item>
/// <item><c>ms &lt;key&gt; &lt;length&gt; T&lt;ttl&gt; F&lt;flags&gt; C&lt;cas&gt;</c>: write only over the item read (compare-and-set);
/// with <c>ME</c> instead of <c>C</c>: write only when absent (add).</item>
/// <item><c>md &lt;key&gt;</c>: delete; <c>HD</c> when something was deleted.</item>
/// </list>
/// </remarks>
internal sealed class MemcachedCommands
{
    /// <summary>The longest key memcached accepts.</summary>
    public const int MaxKeyLength = 250;

    /// <summary>memcached reads a TTL above this many seconds (30 days) as an absolute Unix time.</summary>
    public const long MaxRelativeTtlSeconds = 30L * 24 * 60 * 60;

    /// <summary>What an item costs the server beyond its key and value (item header, CAS, terminators), rounded up: an item
    /// larger than <see cref="MemcachedSessionStoreOptions.MaxItemBytes"/> minus this is refused before any I/O.</summary>
    public const int ItemOverheadBytes = 96;

    /// <summary>Creates the commands of one key prefix.</summary>
    /// <param name="keyPrefix">The validated <see cref="MemcachedSessionStoreOptions.KeyPrefix"/>.</param>
    public MemcachedCommands(string keyPrefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        KeyPrefix = keyPrefix;
    }

    /// <summary>The prefix of every key.</summary>
    public string KeyPrefix { get; }

    /// <summary>
    /// Where the session <paramref name="id"/> lives: <c>&lt;prefix&gt;:&lt;id&gt;</c>, or, when that is longer than
    /// memcached's 250 bytes, <c>&lt;prefix&gt;:#&lt;base64url SHA-256 of the id&gt;</c> (an id never holds <c>#</c>, so
    /// the two forms cannot meet). Ids and prefixes are ASCII without spaces, so a key is a valid memcached key.
    /// </summary>
    /// <param name="id">A validated session id.</param>
    /// <returns>Its key.</returns>
    public string Key(string id)
    {
        var key = KeyPrefix + ":" + id;
        return key.Length <= MaxKeyLength ? key : KeyPrefix + ":#" + Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(id)));
    }

    /// <summary>The TTL memcached is given for <paramref name="ttl"/>: whole seconds rounded up, plus one, because
    /// memcached's clock ticks once a second and an item may otherwise go up to a second early; above 30 days an
    /// absolute Unix time (on this machine's clock, the only form memcached accepts there).</summary>
    /// <param name="ttl">A validated TTL.</param>
    /// <param name="now">The current time.</param>
    /// <returns>The <c>T</c> argument.</returns>
    public static long ServerTtl(TimeSpan ttl, DateTimeOffset now)
    {
        var seconds = ((ttl.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond) + 1;
        return seconds <= MaxRelativeTtlSeconds ? seconds : now.ToUnixTimeSeconds() + seconds;
    }

    /// <summary>The seconds from <paramref name="now"/> to the expiry a <see cref="ServerTtl"/> sets.</summary>
    public static long SecondsLeft(long serverTtl, DateTimeOffset now) =>
        serverTtl <= MaxRelativeTtlSeconds ? serverTtl : serverTtl - now.ToUnixTimeSeconds();

    /// <summary><c>mg</c>: value, CAS, seconds left and flags.</summary>
    public static byte[] Get(string key) => Line($"mg {key} v c t f");

    /// <summary><c>mg</c> with <c>T</c>: reads and moves the expiry in one round trip.</summary>
    public static byte[] GetAndTouch(string key, long serverTtl) => Line($"mg {key} v c t f T{serverTtl}");

    /// <summary><c>mg</c> for the client flags alone (the format marker), without the value.</summary>
    public static byte[] Flags(string key) => Line($"mg {key} f");

    /// <summary><c>mg</c> with <c>T</c> and nothing returned: moves the expiry of a live item; <c>EN</c> when absent.</summary>
    public static byte[] Touch(string key, long serverTtl) => Line($"mg {key} T{serverTtl}");

    /// <summary><c>md</c>.</summary>
    public static byte[] Delete(string key) => Line($"md {key}");

    /// <summary><c>ms</c>: over the item with CAS token <paramref name="cas"/>, or (<see langword="null"/>) only when absent.</summary>
    public static byte[] Store(string key, ReadOnlySpan<byte> value, long serverTtl, uint flags, ulong? cas)
    {
        var line = cas is { } token
            ? $"ms {key} {value.Length} T{serverTtl} F{flags} C{token}\r\n"
            : $"ms {key} {value.Length} T{serverTtl} F{flags} ME\r\n";
        var request = new byte[Encoding.ASCII.GetByteCount(line) + value.Length + 2];
        var written = Encoding.ASCII.GetBytes(line, request);
        value.CopyTo(request.AsSpan(written));
        request[^2] = (byte)'\r';
        request[^1] = (byte)'\n';
        return request;
    }

    private static byte[] Line(string line) => Encoding.ASCII.GetBytes(line + "\r\n");
}
