using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;

namespace SessionStores.AspNetCore;

/// <summary>
/// Any <see cref="ISessionStore"/> as an <see cref="IDistributedCache"/>, for other consumers (output caching, token
/// caches, the built-in session if you must).
/// </summary>
/// <remarks>
/// <para><b>Expirations.</b> The store keeps one TTL per entry. An absolute expiration (or relative-to-now) becomes the
/// TTL; a sliding expiration becomes the TTL and is kept in the entry, and each <see cref="GetAsync"/> or
/// <see cref="RefreshAsync"/> of such an entry moves its expiry to now + sliding, never past the absolute one. That
/// costs a second round trip (read, then touch), as it does for Microsoft's Redis cache, because the sliding window is
/// only known after the read. An entry with no expiration lives for <see cref="SessionLimits.MaxTtl"/> (400 days),
/// the longest TTL a store accepts: "never expires" cannot be expressed; a longer sliding window slides by 400 days.
/// When both absolute expirations are set, the relative one wins, as in Microsoft's caches.</para>
/// <para><b>Async only.</b> The synchronous members throw <see cref="NotSupportedException"/>: the stores are
/// async-only and this adapter never blocks a thread on I/O.</para>
/// <para><b>Keys</b> are arbitrary strings; they are encoded into the store's id alphabet (<c>~XX</c> escapes) and
/// prefixed with <see cref="SessionStoreDistributedCacheOptions.KeyPrefix"/>; a key whose encoding exceeds 256
/// characters is replaced by its SHA-256. Entries appear in the store's listings like sessions do; give the cache its
/// own store instance when that matters.</para>
/// </remarks>
public sealed class SessionStoreDistributedCache : IDistributedCache
{
    private const byte Format = 1;
    private const int HeaderSize = 1 + sizeof(long) + sizeof(long);

    private readonly ISessionStore _store;
    private readonly TimeProvider _time;
    private readonly string _prefix;

    /// <summary>Creates the cache.</summary>
    /// <param name="store">The store that holds the entries.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock for absolute expirations; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public SessionStoreDistributedCache(ISessionStore store, IOptions<SessionStoreDistributedCacheOptions> options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _time = timeProvider ?? TimeProvider.System;
        _prefix = options.Value.KeyPrefix ?? string.Empty;
        if (!IsValidKeyPrefix(_prefix))
        {
            throw new InvalidOperationException(KeyPrefixRule);
        }
    }

    /// <summary>What <see cref="SessionStoreDistributedCacheOptions.KeyPrefix"/> may be.</summary>
    internal const string KeyPrefixRule = "SessionStoreDistributedCacheOptions.KeyPrefix must be 0 to 32 characters from [A-Za-z0-9._-].";

    internal static bool IsValidKeyPrefix(string? prefix) =>
        prefix is null || (prefix.Length <= 32 && (prefix.Length == 0 || SessionValidation.IsValidId(prefix)) && !prefix.Contains('~', StringComparison.Ordinal));

    /// <inheritdoc />
    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var id = Encode(key);
        var record = await _store.GetAsync(id, token).ConfigureAwait(false);
        if (record is null)
        {
            return null;
        }

        var (absoluteMs, slidingMs) = ReadHeader(id, record.Data.Span);
        if (absoluteMs != 0 && absoluteMs <= _time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            // Past its absolute expiration, though the store still holds it: a slide computed from an earlier entry under
            // the same key (a read racing a write with a nearer absolute expiration) can outlast it. Never served.
            return null;
        }

        await SlideAsync(id, absoluteMs, slidingMs, token).ConfigureAwait(false);
        return record.Data.Span[HeaderSize..].ToArray();
    }

    /// <inheritdoc />
    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        // DistributedCacheEntryOptions itself refuses a sliding or relative expiration that is not positive.
        var id = Encode(key);
        var now = _time.GetUtcNow();

        // As Microsoft's caches: the relative expiration wins when both are set.
        DateTimeOffset? absolute = options.AbsoluteExpirationRelativeToNow is { } fromNow ? now + fromNow : options.AbsoluteExpiration;
        if (absolute <= now)
        {
            throw new ArgumentOutOfRangeException(nameof(options), absolute, "The absolute expiration value must be in the future.");
        }

        // A sliding window longer than the longest store TTL slides by that TTL (400 days).
        var sliding = options.SlidingExpiration > SessionLimits.MaxTtl ? SessionLimits.MaxTtl : options.SlidingExpiration;
        var ttl = Min(sliding, absolute - now) ?? SessionLimits.MaxTtl;
        var data = new byte[HeaderSize + value.Length];
        data[0] = Format;
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(1), absolute?.ToUnixTimeMilliseconds() ?? 0);
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(9), sliding is { } s ? SessionValidation.ToMilliseconds(s) : 0);
        value.CopyTo(data.AsSpan(HeaderSize));
        await _store.SetAsync(id, new SessionWrite(data, ttl > SessionLimits.MaxTtl ? SessionLimits.MaxTtl : ttl), token).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        var id = Encode(key);
        var record = await _store.GetAsync(id, token).ConfigureAwait(false);
        if (record is not null)
        {
            var (absoluteMs, slidingMs) = ReadHeader(id, record.Data.Span);
            await SlideAsync(id, absoluteMs, slidingMs, token).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default) => _store.DestroyAsync(Encode(key), token);

    /// <summary>Not supported: this cache is async-only. Use <see cref="GetAsync"/>.</summary>
    /// <param name="key">The key.</param>
    /// <returns>Never returns.</returns>
    public byte[]? Get(string key) => throw SyncNotSupported();

    /// <summary>Not supported: this cache is async-only. Use <see cref="SetAsync"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="options">The expirations.</param>
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw SyncNotSupported();

    /// <summary>Not supported: this cache is async-only. Use <see cref="RefreshAsync"/>.</summary>
    /// <param name="key">The key.</param>
    public void Refresh(string key) => throw SyncNotSupported();

    /// <summary>Not supported: this cache is async-only. Use <see cref="RemoveAsync"/>.</summary>
    /// <param name="key">The key.</param>
    public void Remove(string key) => throw SyncNotSupported();

    private static NotSupportedException SyncNotSupported() =>
        new("SessionStoreDistributedCache is async-only (no blocking I/O): call the *Async methods.");

    private static TimeSpan? Min(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private static (long AbsoluteMs, long SlidingMs) ReadHeader(string id, ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderSize || data[0] != Format)
        {
            throw new SessionDataCorruptedException(id, "not a distributed-cache entry of format 1");
        }

        return (BinaryPrimitives.ReadInt64LittleEndian(data[1..]), BinaryPrimitives.ReadInt64LittleEndian(data[9..]));
    }

    private async Task SlideAsync(string id, long absoluteMs, long slidingMs, CancellationToken token)
    {
        if (slidingMs == 0)
        {
            return;
        }

        var ttlMs = Math.Min(slidingMs, (long)SessionLimits.MaxTtl.TotalMilliseconds);
        if (absoluteMs != 0)
        {
            ttlMs = Math.Min(ttlMs, absoluteMs - _time.GetUtcNow().ToUnixTimeMilliseconds());
        }

        if (ttlMs > 0)
        {
            await _store.TouchAsync(id, TimeSpan.FromMilliseconds(ttlMs), token).ConfigureAwait(false);
        }
    }

    private string Encode(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var builder = new StringBuilder(_prefix, _prefix.Length + key.Length);
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('~').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        if (builder.Length <= SessionLimits.MaxIdLength)
        {
            return builder.ToString();
        }

        return _prefix + "~h" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }
}
