using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace SessionStores.Reliability.Harness;

/// <summary>What a generated bad call gets wrong.</summary>
public enum BadKind
{
    /// <summary>The id is not 1-256 characters from [A-Za-z0-9._~-].</summary>
    Id,

    /// <summary>The payload is larger than the store's MaxDataBytes.</summary>
    Payload,

    /// <summary>The TTL is zero, negative or longer than SessionLimits.MaxTtl.</summary>
    Ttl,
}

/// <summary>The store operation a bad call goes through.</summary>
public enum BadOperation
{
    /// <summary>GetAsync.</summary>
    Get,

    /// <summary>GetAndTouchAsync.</summary>
    GetAndTouch,

    /// <summary>SetAsync.</summary>
    Set,

    /// <summary>TouchAsync.</summary>
    Touch,

    /// <summary>DestroyAsync.</summary>
    Destroy,

    /// <summary>ISessionLeaseStore.AcquireLeaseAsync (stores with leases only).</summary>
    AcquireLease,
}

/// <summary>One generated bad call.</summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="Operation">Which operation.</param>
/// <param name="Id">The id (bad for <see cref="BadKind.Id"/>, valid otherwise).</param>
/// <param name="Token">A unique run of valid characters inside the id that no message may repeat, or <see langword="null"/> (empty and null ids).</param>
/// <param name="Data">The payload.</param>
/// <param name="Ttl">The TTL.</param>
/// <param name="ExpectedVersion">The compare-and-set version of a write.</param>
public sealed record BadCall(BadKind Kind, BadOperation Operation, string? Id, string? Token, byte[] Data, TimeSpan Ttl, long? ExpectedVersion)
{
    /// <summary>A printable description (control characters escaped) for failure messages.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        $"{Kind} via {Operation}: id {Escape(Id)}, {Data.Length} bytes, ttl {Ttl}, expected version {ExpectedVersion?.ToString(CultureInfo.InvariantCulture) ?? "none"}";

    /// <summary>Escapes control and non-ASCII characters.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The escaped text, quoted; <c>null</c> for <see langword="null"/>.</returns>
    public static string Escape(string? text) =>
        text is null ? "null" : "\"" + string.Concat(text.Select(c => c is >= ' ' and < (char)127 ? c.ToString() : $"\\u{(int)c:x4}")) + "\"";
}

/// <summary>
/// Generates bad calls, seeded and reproducible: ids with a forbidden character somewhere (ASCII punctuation, controls,
/// NUL, CR LF, Unicode, unpaired surrogates, bidi overrides), path traversal, glob, SQL and RESP fragments, ids that are too
/// long, empty or null; payloads over the limit; TTLs of zero, negative, or over the maximum. Every id with a token
/// carries <see cref="Marker"/>, so the backends can be searched for anything a call wrote.
/// </summary>
public sealed class BadInputs
{
    private const string ValidChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-";

    private static readonly string[] Fragments =
    [
        "\r\nFLUSHALL\r\n", "' OR '1'='1", "';DROP TABLE sessions;--", "*", "?", "[a-z]", "%", "_%", "/", "\\", "../", ":",
        "\0", "\u202e", "\ud800", "\udc00", "é", "\U0001F600", " ", "\u2028", "\u0085", "\ufeff", "{", "}", "$(id)", "`", "\"",
        "\t", "\n", "\r", "\u007f", "+", "=", ",", "@", "!", "#", "&", "|", "<", ">", "^", ";",
    ];

    private static readonly string[] TraversalPrefixes = ["../", "..\\", "/tmp/", "./", "~/", "C:\\", "\\\\server\\share\\", "/", "%2e%2e%2f"];

    private readonly Random _random;
    private int _count;

    /// <summary>Creates a generator.</summary>
    /// <param name="seed">The seed (printed in failures so a run can be repeated).</param>
    public BadInputs(int seed)
    {
        _random = new Random(seed);
        Marker = "RLB" + seed.ToString("x8", CultureInfo.InvariantCulture);
    }

    /// <summary>The run of characters every generated token starts with.</summary>
    public string Marker { get; }

    /// <summary>Generates <paramref name="count"/> calls: 60 % bad ids, 20 % oversized payloads, 20 % bad TTLs.</summary>
    /// <param name="count">How many.</param>
    /// <param name="maxDataBytes">The store's limit.</param>
    /// <param name="withLeases">Whether the store has leases (bad ids then also go to AcquireLeaseAsync).</param>
    /// <returns>The calls.</returns>
    public IReadOnlyList<BadCall> Generate(int count, int maxDataBytes, bool withLeases)
    {
        var calls = new List<BadCall>(count);
        for (var i = 0; i < count; i++)
        {
            var roll = _random.Next(10);
            calls.Add(roll < 6 ? BadId(withLeases) : roll < 8 ? Oversized(maxDataBytes) : BadTtl());
        }

        return calls;
    }

    private BadCall BadId(bool withLeases)
    {
        BadOperation[] operations = withLeases
            ? [BadOperation.Get, BadOperation.GetAndTouch, BadOperation.Set, BadOperation.Touch, BadOperation.Destroy, BadOperation.AcquireLease]
            : [BadOperation.Get, BadOperation.GetAndTouch, BadOperation.Set, BadOperation.Touch, BadOperation.Destroy];
        var operation = operations[_random.Next(operations.Length)];
        var token = NextToken();
        var (id, keepsToken) = _random.Next(100) switch
        {
            < 35 => (Insert(token, Fragments[_random.Next(Fragments.Length)]), true),
            < 55 => (Insert(token, ((char)BadAscii()).ToString()), true),
            < 70 => (TraversalPrefixes[_random.Next(TraversalPrefixes.Length)] + token, true),
            < 85 => (token + new string(ValidChars[_random.Next(ValidChars.Length)], SessionLimits.MaxIdLength + 1 - token.Length + _random.Next(2000)), true),
            < 98 => (Wrap(token), true),
            < 99 => (string.Empty, false),
            _ => ((string?)null, false),
        };
        return new BadCall(BadKind.Id, operation, id, keepsToken ? token : null, [1, 2, 3], TimeSpan.FromMinutes(5), null);
    }

    private BadCall Oversized(int maxDataBytes)
    {
        var data = new byte[maxDataBytes + 1 + _random.Next(maxDataBytes * 3)];
        _random.NextBytes(data);
        long? version = _random.Next(3) switch { 0 => null, 1 => 0, _ => _random.Next(1, 1000) };
        var token = NextToken();
        return new BadCall(BadKind.Payload, BadOperation.Set, token, token, data, TimeSpan.FromMinutes(5), version);
    }

    private BadCall BadTtl()
    {
        var ttl = _random.Next(7) switch
        {
            0 => TimeSpan.Zero,
            1 => TimeSpan.FromTicks(-1),
            2 => -TimeSpan.FromMilliseconds(_random.Next(1, int.MaxValue)),
            3 => TimeSpan.MinValue,
            4 => SessionLimits.MaxTtl + TimeSpan.FromTicks(1),
            5 => SessionLimits.MaxTtl + TimeSpan.FromDays(_random.Next(1, 100_000)),
            _ => TimeSpan.MaxValue,
        };
        BadOperation[] operations = [BadOperation.GetAndTouch, BadOperation.Set, BadOperation.Touch];
        var token = NextToken();
        return new BadCall(BadKind.Ttl, operations[_random.Next(operations.Length)], token, token, [1, 2, 3], ttl, null);
    }

    // A valid, unique run: the marker and a counter.
    private string NextToken() => Marker + (++_count).ToString("x6", CultureInfo.InvariantCulture);

    private string Insert(string token, string fragment)
    {
        var at = _random.Next(token.Length + 1);
        return token[..at] + fragment + token[at..];
    }

    private int BadAscii()
    {
        while (true)
        {
            var c = _random.Next(0, 128);
            if (!ValidChars.Contains((char)c, StringComparison.Ordinal))
            {
                return c;
            }
        }
    }

    private string Wrap(string token)
    {
        var builder = new StringBuilder();
        string[] around = ["\n", " ", "\t", "\0", "\r\n", "\u00a0", "\u200b"];
        builder.Append(around[_random.Next(around.Length)]).Append(token);
        if (_random.Next(2) == 0)
        {
            builder.Append(around[_random.Next(around.Length)]);
        }

        return builder.ToString();
    }
}
