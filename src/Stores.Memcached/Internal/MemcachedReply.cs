using System;
using System.Globalization;

namespace SessionStores.Memcached.Internal;

/// <summary>The status code that opens a meta reply.</summary>
internal enum MemcachedStatus
{
    /// <summary><c>HD</c>: done, no value.</summary>
    Done,

    /// <summary><c>VA</c>: a value follows.</summary>
    Value,

    /// <summary><c>EN</c>: no such item (absent or expired).</summary>
    Miss,

    /// <summary><c>NS</c>: not stored (an add found the item).</summary>
    NotStored,

    /// <summary><c>EX</c>: the CAS token did not match.</summary>
    Exists,

    /// <summary><c>NF</c>: not found (a CAS write or delete of an absent item).</summary>
    NotFound,

    /// <summary><c>MN</c>: the answer to <c>mn</c>.</summary>
    NoOp,
}

/// <summary>
/// One meta reply: its status, the returned flags this client asks for (<c>c</c> CAS, <c>t</c> seconds left,
/// <c>f</c> client flags) and the value of a <c>VA</c> reply.
/// </summary>
internal readonly record struct MemcachedReply(MemcachedStatus Status, ulong Cas, long SecondsLeft, uint ClientFlags, byte[]? Value)
{
    /// <summary>Parses a reply line (without its CRLF). <c>VA</c> lines carry the value's length in <paramref name="valueLength"/>.</summary>
    /// <returns>The reply without its value, or <see langword="null"/> for an error line (<paramref name="error"/> holds it).</returns>
    public static MemcachedReply? Parse(string line, out int valueLength, out string? error)
    {
        valueLength = -1;
        error = null;
        var tokens = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        MemcachedStatus status;
        var first = 1;
        switch (tokens.Length > 0 ? tokens[0] : string.Empty)
        {
            case "HD": status = MemcachedStatus.Done; break;
            case "VA":
                status = MemcachedStatus.Value;
                valueLength = tokens.Length > 1 && int.TryParse(tokens[1], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                    ? length
                    : throw new MemcachedException($"Memcached sent a malformed value reply.", isTransient: false);
                first = 2;
                break;
            case "EN": status = MemcachedStatus.Miss; break;
            case "NS": status = MemcachedStatus.NotStored; break;
            case "EX": status = MemcachedStatus.Exists; break;
            case "NF": status = MemcachedStatus.NotFound; break;
            case "MN": status = MemcachedStatus.NoOp; break;
            default:
                error = line;
                return null;
        }

        ulong cas = 0;
        long secondsLeft = -1;
        uint flags = 0;
        for (var i = first; i < tokens.Length; i++)
        {
            var token = tokens[i];
            var value = token.AsSpan(1);
            _ = token[0] switch
            {
                'c' => ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out cas),
                't' => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out secondsLeft),
                'f' => uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out flags),
                _ => true,
            };
        }

        return new MemcachedReply(status, cas, secondsLeft, flags, null);
    }
}
