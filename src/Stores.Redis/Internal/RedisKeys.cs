using System;
using System.Text;
using StackExchange.Redis;

namespace SessionStores.Redis.Internal;

/// <summary>
/// The key layout of one store. A session lives in <c>{prefix}s{{id}}</c> and a subject index in
/// <c>{prefix}u{{subject}}</c>. The braces are Redis Cluster hash tags: a session's key hashes on its id alone, so
/// every script that touches one session touches one slot. Prefixes cannot contain braces, which keeps the tag ours
/// and makes the two key shapes unambiguous between neighbouring prefixes.
/// </summary>
internal sealed class RedisKeys
{
    private const string SessionMarker = "s{";
    private const string SubjectMarker = "u{";

    private readonly byte[] _sessionPrefixUtf8;

    public RedisKeys(string prefix)
    {
        Prefix = prefix;
        SessionPrefix = prefix + SessionMarker;
        _sessionPrefixUtf8 = Encoding.UTF8.GetBytes(SessionPrefix);
        SubjectPrefix = prefix + SubjectMarker;
        SessionPattern = EscapeGlob(prefix) + SessionMarker + "*";
    }

    public string Prefix { get; }

    public string SessionPrefix { get; }

    public string SubjectPrefix { get; }

    /// <summary>The SCAN MATCH pattern of every session key; glob characters of the prefix are escaped.</summary>
    public string SessionPattern { get; }

    public RedisKey Session(string id) => string.Concat(SessionPrefix, id, "}");

    public RedisKey Subject(string subject) => string.Concat(SubjectPrefix, subject, "}");

    /// <summary>A session's lease (<c>{prefix}l{{id}}</c>) and its fence counter (<c>{prefix}f{{id}}</c>): the same hash tag,
    /// so one script touches both; outside <see cref="SessionPattern"/>, so listings never see them.</summary>
    public RedisKey Lease(string id) => string.Concat(Prefix, "l{", id, "}");

    /// <inheritdoc cref="Lease"/>
    public RedisKey LeaseFence(string id) => string.Concat(Prefix, "f{", id, "}");

    /// <summary>The channel on which writes and destroys are announced to near caches (<c>key:version</c>, <c>*</c> for all).</summary>
    public RedisChannel Invalidations => RedisChannel.Literal(InvalidationsName);

    /// <inheritdoc cref="Invalidations"/>
    public string InvalidationsName => Prefix + "invalidations";

    /// <summary>The channel on which a released lease's id is published.</summary>
    public RedisChannel LeaseReleased => RedisChannel.Literal(Prefix + "lease-released");

    /// <summary>
    /// The session id of a key found by SCAN, or <see langword="null"/> when the key is not one of this store's
    /// session keys. SCAN's pattern already selects the prefix; this check is exact (it does not trust the glob).
    /// </summary>
    public string? TryGetSessionId(RedisKey key)
    {
        var text = (string?)key;
        if (text is null || !text.StartsWith(SessionPrefix, StringComparison.Ordinal) || !text.EndsWith('}'))
        {
            return null;
        }

        var id = text.AsSpan(SessionPrefix.Length, text.Length - SessionPrefix.Length - 1);
        return SessionValidation.IsValidId(id) ? id.ToString() : null;
    }

    /// <summary>
    /// The session id of a key as UTF-8 bytes (an announcement on <see cref="Invalidations"/>), or <see langword="null"/>
    /// when it is not one of this store's session keys; the same exact check as for a key found by SCAN.
    /// </summary>
    public string? TryGetSessionId(ReadOnlySpan<byte> key)
    {
        if (!key.StartsWith(_sessionPrefixUtf8) || key.Length <= _sessionPrefixUtf8.Length + 1 || key[^1] != (byte)'}'
            || key.Length - _sessionPrefixUtf8.Length - 1 > SessionLimits.MaxIdLength)
        {
            return null;
        }

        // Valid ids are ASCII; any other byte decodes to '?', which the id check refuses.
        var id = Encoding.ASCII.GetString(key[_sessionPrefixUtf8.Length..^1]);
        return SessionValidation.IsValidId(id) ? id : null;
    }

    /// <summary>Escapes the characters Redis glob patterns give a meaning: <c>* ? [ ] \</c> (and <c>^ -</c>, harmless).</summary>
    public static string EscapeGlob(string text)
    {
        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\' or '^' or '-')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
