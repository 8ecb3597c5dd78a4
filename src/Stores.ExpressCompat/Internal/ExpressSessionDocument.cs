using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SessionStores.ExpressCompat.Internal;

/// <summary>
/// A session as express-session stores it: one JSON object whose <c>cookie</c> property is the serialized cookie and
/// whose every other property is a session value (<c>req.session.x</c>). Stored format, once:
/// <code>{"cookie":{"originalMaxAge":3600000,"expires":"2026-12-03T14:00:00.000Z","httpOnly":true,"path":"/"},"user":"ana",…}</code>
/// The cookie's properties appear in the order express-session's Cookie.toJSON gives them (originalMaxAge, partitioned,
/// priority, expires, secure, httpOnly, domain, path, sameSite; absent ones left out), <c>expires</c> is an ISO 8601
/// UTC string with milliseconds or null, <c>originalMaxAge</c> milliseconds or null. Session values keep their order;
/// new ones are appended, as JavaScript does. A property .NET never touches is written back as it was read.
/// </summary>
internal sealed class ExpressSessionDocument
{
    public const string CookieProperty = "cookie";

    private static readonly string[] CookieOrder = ["originalMaxAge", "partitioned", "priority", "expires", "secure", "httpOnly", "domain", "path", "sameSite"];

    // JSON.stringify writes non-ASCII text as it is; the default encoder would escape it (same value, other bytes).
    public static readonly JsonSerializerOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly JsonObject _root;

    private ExpressSessionDocument(JsonObject root, JsonObject cookie)
    {
        _root = root;
        Cookie = cookie;
    }

    public JsonObject Cookie { get; }

    /// <summary>What decides the session's lifetime in a store.</summary>
    public ExpressSessionCookie Lifetime => new(
        Cookie["expires"] is JsonValue e && e.TryGetValue<string>(out var text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null,
        Cookie["originalMaxAge"] is JsonValue m && m.TryGetValue<double>(out var ms) ? TimeSpan.FromMilliseconds(ms) : null);

    /// <summary>Reads a stored session; throws <see cref="SessionDataCorruptedException"/> when it is not a JSON object.</summary>
    public static ExpressSessionDocument Parse(string sessionId, ReadOnlySpan<byte> data)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(data);
        }
        catch (JsonException ex)
        {
            throw new SessionDataCorruptedException(sessionId, "the stored express-session session is not valid JSON", ex);
        }

        if (node is not JsonObject root)
        {
            throw new SessionDataCorruptedException(sessionId, "the stored express-session session is not a JSON object");
        }

        // A session saved without a cookie object (by hand, or by another tool) gets express-session's defaults on load.
        var cookie = root[CookieProperty] as JsonObject ?? new JsonObject { ["originalMaxAge"] = null, ["expires"] = null, ["httpOnly"] = true, ["path"] = "/" };
        return new ExpressSessionDocument(root, cookie);
    }

    /// <summary>A new session's document, its cookie as express-session's <c>generate</c> makes it.</summary>
    public static ExpressSessionDocument New(ExpressSessionOptions options, DateTimeOffset now)
    {
        var maxAge = options.CookieMaxAge is { } age ? (long?)age.TotalMilliseconds : null;
        var cookie = new JsonObject
        {
            ["originalMaxAge"] = maxAge,
            ["expires"] = maxAge is { } ms ? IsoTime(now.AddMilliseconds(ms)) : null,
        };
        if (options.CookieSecure)
        {
            cookie["secure"] = true;
        }

        cookie["httpOnly"] = options.CookieHttpOnly;
        if (options.CookieDomain is { } domain)
        {
            cookie["domain"] = domain;
        }

        cookie["path"] = options.CookiePath;
        if (options.CookieSameSite is { } sameSite)
        {
            cookie["sameSite"] = sameSite;
        }

        return new ExpressSessionDocument(new JsonObject(), cookie);
    }

    /// <summary>The session values: every property but the cookie, as UTF-8 JSON.</summary>
    public Dictionary<string, byte[]> Values()
    {
        var values = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in _root)
        {
            if (key != CookieProperty)
            {
                values[key] = ToJson(value);
            }
        }

        return values;
    }

    /// <summary>express-session's <c>session.touch()</c>: the cookie expires <c>originalMaxAge</c> from now (a browser-session
    /// cookie keeps no expiry).</summary>
    public void Touch(DateTimeOffset now)
    {
        if (Lifetime.OriginalMaxAge is { } maxAge)
        {
            Cookie["expires"] = IsoTime(now + maxAge);
        }
    }

    /// <summary>The JSON to store: the loaded properties in their order with <paramref name="values"/>' content, then the
    /// values that are new, the cookie in express-session's order.</summary>
    public byte[] Encode(IReadOnlyDictionary<string, byte[]> values)
    {
        var output = new JsonObject();
        if (!_root.ContainsKey(CookieProperty))
        {
            output[CookieProperty] = OrderedCookie();
        }

        foreach (var (key, _) in _root)
        {
            if (key == CookieProperty)
            {
                output[key] = OrderedCookie();
            }
            else if (values.TryGetValue(key, out var json))
            {
                output[key] = JsonNode.Parse(json);
            }
        }

        foreach (var (key, json) in values)
        {
            if (!_root.ContainsKey(key) && key != CookieProperty)
            {
                output[key] = JsonNode.Parse(json);
            }
        }

        return Encoding.UTF8.GetBytes(output.ToJsonString(WriteOptions));
    }

    /// <summary>Checks that a value set from .NET is one JSON value (Express reads it with JSON.parse).</summary>
    public static void ValidateValue(string key, byte[] value)
    {
        if (key == CookieProperty)
        {
            throw new ArgumentException("'cookie' is express-session's own property of a session; choose another key.", nameof(key));
        }

        try
        {
            using var _ = JsonDocument.Parse(value);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException(
                $"An Express session value must be UTF-8 JSON (Express reads the session with JSON.parse); the value for '{key}' is not. Use session.SetJson(key, value) to store any value as JSON.",
                nameof(value),
                ex);
        }
    }

    public static string IsoTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static byte[] ToJson(JsonNode? node) =>
        node is null ? "null"u8.ToArray() : Encoding.UTF8.GetBytes(node.ToJsonString(WriteOptions));

    private JsonObject OrderedCookie()
    {
        var ordered = new JsonObject();
        foreach (var name in CookieOrder)
        {
            if (Cookie.TryGetPropertyValue(name, out var value))
            {
                ordered[name] = value?.DeepClone();
            }
        }

        // Properties express-session does not know are kept after its own (express itself would drop them).
        foreach (var (name, value) in Cookie)
        {
            if (Array.IndexOf(CookieOrder, name) < 0)
            {
                ordered[name] = value?.DeepClone();
            }
        }

        return ordered;
    }
}
