using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SessionStores.ExpressCompat.Internal;

namespace SessionStores.ExpressCompat;

/// <summary>
/// The session-file-store storage format as a session store: one file <c>&lt;id&gt;.json</c> per session in the
/// directory, holding the session JSON plus <c>__lastAccess</c> (Unix milliseconds of the last save or touch). A session
/// is expired once <c>__lastAccess + (cookie.originalMaxAge || ttl)</c> has passed, by this store's clock.
/// </summary>
/// <remarks>
/// <para>Expiry is in the content, not beside it: a write's or touch's TTL is not stored, the session's own cookie
/// decides (what <see cref="TimeToLive"/> gives is exactly that, so <c>AddExpressSession</c>'s sessions agree with it).
/// <c>__lastAccess</c> is this format's bookkeeping: reads return the session without it, writes and touches set it.
/// Files are replaced atomically (a temporary file renamed over the old one), as write-file-atomic does. Expired files
/// are left for session-file-store's reaper. The stored data must be a JSON object. What the format cannot hold is
/// described on <see cref="ExpressSessionFormatStore"/>.</para>
/// </remarks>
public sealed class ExpressFileSessionStore : ExpressSessionFormatStore
{
    private const string LastAccess = "__lastAccess";

    // A file name has at most 255 bytes on the common file systems; ".json" takes 5.
    private const int MaxPlainIdLength = 250;
    private readonly ExpressFileSessionStoreOptions _options;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The options.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message names every invalid one.</exception>
    public ExpressFileSessionStore(ExpressFileSessionStoreOptions options, ILogger<ExpressFileSessionStore>? logger = null)
        : base(new ExpressFileBackend(), Validated(options), logger)
    {
        _options = options;
    }

    /// <summary>session-file-store's rule: the cookie's <c>originalMaxAge</c> after the last access, else its <c>ttl</c>.</summary>
    /// <param name="cookie">The session's cookie.</param>
    /// <param name="now">Unused: the life counts from the write.</param>
    /// <returns>The time to live; never <see langword="null"/>.</returns>
    public override TimeSpan? TimeToLive(ExpressSessionCookie cookie, DateTimeOffset now) =>
        cookie.OriginalMaxAge is { } maxAge && maxAge > TimeSpan.Zero ? maxAge : _options.Ttl;

    private protected override void ValidateData(ReadOnlyMemory<byte> data)
    {
        try
        {
            if (JsonNode.Parse(data.Span) is JsonObject)
            {
                return;
            }
        }
        catch (JsonException ex)
        {
            throw new ArgumentException("session-file-store keeps a session as a JSON object: the data must be one, in UTF-8.", nameof(data), ex);
        }

        throw new ArgumentException("session-file-store keeps a session as a JSON object: the data must be one, in UTF-8.", nameof(data));
    }

    private protected override async Task<SessionRecord?> GetCoreAsync(string id, CancellationToken cancellationToken) =>
        await ReadLiveAsync(id, cancellationToken).ConfigureAwait(false) is { } live ? Record(id, live.Session, live.ExpiresAt) : null;

    private protected override async Task<SessionRecord?> GetAndTouchCoreAsync(string id, long ttlMs, CancellationToken cancellationToken)
    {
        if (await ReadLiveAsync(id, cancellationToken).ConfigureAwait(false) is not { } live)
        {
            return null;
        }

        var expiresAt = await WriteAsync(id, live.Session, cancellationToken).ConfigureAwait(false);
        return Record(id, live.Session, expiresAt);
    }

    private protected override async Task SetCoreAsync(string id, ReadOnlyMemory<byte> data, long ttlMs, CancellationToken cancellationToken) =>
        await WriteAsync(id, (JsonObject)JsonNode.Parse(data.Span)!, cancellationToken).ConfigureAwait(false);

    private protected override async Task<bool> TouchCoreAsync(string id, long ttlMs, CancellationToken cancellationToken)
    {
        if (await ReadLiveAsync(id, cancellationToken).ConfigureAwait(false) is not { } live)
        {
            return false;
        }

        await WriteAsync(id, live.Session, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private protected override async Task<bool> DestroyCoreAsync(string id, CancellationToken cancellationToken)
    {
        bool live;
        try
        {
            live = await ReadLiveAsync(id, cancellationToken).ConfigureAwait(false) is not null;
        }
        catch (SessionDataCorruptedException)
        {
            // A file that cannot be decoded is still a session's record, and destroying it is how one recovers.
            live = true;
        }

        try
        {
            File.Delete(PathOf(id));
        }
        catch (DirectoryNotFoundException)
        {
            // No directory yet (session-file-store creates it on its first write): nothing to delete.
        }

        return live;
    }

    // A missing directory holds no sessions (session-file-store creates it on its first write).
    private protected override IAsyncEnumerable<string> ListIdsCoreAsync(CancellationToken cancellationToken) =>
        (Directory.Exists(_options.Path) ? Directory.EnumerateFiles(_options.Path, "*.json") : [])
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .ToAsyncEnumerable();

    private static ExpressFileSessionStoreOptions Validated(ExpressFileSessionStoreOptions options)
    {
        ExpressFileSessionStoreOptionsValidator.Instance.ThrowIfInvalid(options, nameof(options));
        return options;
    }

    private static SessionRecord Record(string id, JsonObject session, DateTimeOffset expiresAt) =>
        new(id, Encoding.UTF8.GetBytes(session.ToJsonString(ExpressSessionDocument.WriteOptions)), 1, expiresAt, DateTimeOffset.UnixEpoch, null);

    /// <summary>session-file-store's <c>&lt;id&gt;.json</c>. An id too long for a file name with that extension (more
    /// than 250 characters; Express's ids have 32) is named by its SHA-256 after a <c>+</c>, a character no id has, so
    /// it can never meet another id's file; no Express app looks such an id up.</summary>
    private string PathOf(string id) => Path.Combine(
        _options.Path,
        (id.Length <= MaxPlainIdLength ? id : "+" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))) + ".json");

    private DateTimeOffset ExpiresAt(JsonObject session, long lastAccessMs)
    {
        var maxAge = session["cookie"]?["originalMaxAge"] is JsonValue v && v.TryGetValue<double>(out var ms) && ms > 0
            ? TimeSpan.FromMilliseconds(ms)
            : _options.Ttl;
        return DateTimeOffset.FromUnixTimeMilliseconds(lastAccessMs) + maxAge;
    }

    /// <summary>The session without its <c>__lastAccess</c>, when its file exists and it has not expired.</summary>
    private async Task<(JsonObject Session, DateTimeOffset ExpiresAt)?> ReadLiveAsync(string id, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(PathOf(id), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // No file, or no directory yet (session-file-store creates it on its first write): no session.
            return null;
        }

        JsonObject session;
        try
        {
            session = JsonNode.Parse(bytes) as JsonObject ?? throw new SessionDataCorruptedException(id, "the session file does not hold a JSON object");
        }
        catch (JsonException ex)
        {
            throw new SessionDataCorruptedException(id, "the session file is not valid JSON", ex);
        }

        var lastAccess = session[LastAccess] is JsonValue v && v.TryGetValue<double>(out var ms) ? (long)ms : 0;
        session.Remove(LastAccess);
        var expiresAt = ExpiresAt(session, lastAccess);

        // session-file-store: expired when __lastAccess + ttl < now.
        return expiresAt < _options.Clock.GetUtcNow() ? null : (session, expiresAt);
    }

    /// <summary>Writes the session with <c>__lastAccess</c> = now, atomically; returns its new expiry. The session is the
    /// caller's own parse: <c>__lastAccess</c> is added for the serialization and taken off again, rather than the whole
    /// session copied.</summary>
    private async Task<DateTimeOffset> WriteAsync(string id, JsonObject session, CancellationToken cancellationToken)
    {
        var now = _options.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        session.Remove(LastAccess);
        session[LastAccess] = now;
        var json = Encoding.UTF8.GetBytes(session.ToJsonString(ExpressSessionDocument.WriteOptions));
        session.Remove(LastAccess);
        Directory.CreateDirectory(_options.Path);
        var path = PathOf(id);
        // Not named after the id: "<id>.json.<hex>.tmp" would pass the file name limit for the longest ids, and the
        // session-file-store lists only *.json.
        var temporary = Path.Combine(_options.Path, "." + Guid.NewGuid().ToString("N")[..16] + ".tmp");
        await File.WriteAllBytesAsync(temporary, json, cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
        return ExpiresAt(session, now);
    }
}
