using System;
using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace SessionStores;

/// <summary>
/// The one validator every store calls before any I/O, so that bad input fails the same way everywhere and loses no
/// stored data.
/// </summary>
/// <remarks>
/// No message thrown from here contains the caller's text: a session id is a bearer secret and a subject is personal
/// data, and either may hold control characters that would forge log lines. A message names the rule that was broken,
/// a length, or the first offending character as its index and code point (<c>U+000A</c>). Use <see cref="Tag"/> to
/// name a session in a log line.
/// </remarks>
public static partial class SessionValidation
{
    private static readonly SearchValues<char> IdChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-");

    /// <summary>Whether <paramref name="id"/> is 1 to 256 characters from <c>[A-Za-z0-9._~-]</c>.</summary>
    /// <param name="id">The candidate id.</param>
    /// <returns><see langword="true"/> when the id is valid.</returns>
    public static bool IsValidId(ReadOnlySpan<char> id) =>
        id.Length is > 0 and <= SessionLimits.MaxIdLength && !id.ContainsAnyExcept(IdChars);

    /// <summary>Throws unless <paramref name="id"/> is a valid session id.</summary>
    /// <param name="id">The id.</param>
    /// <param name="paramName">The caller's parameter name.</param>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty, too long or has a character outside <c>[A-Za-z0-9._~-]</c>.</exception>
    public static void ValidateId(string id, [CallerArgumentExpression(nameof(id))] string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(id, paramName);
        if (!IsValidId(id))
        {
            var problem = id.Length == 0 ? "got an empty string"
                : id.Length > SessionLimits.MaxIdLength ? $"got {id.Length} characters"
                : OutsideTheSet(id, id.AsSpan().IndexOfAnyExcept(IdChars));
            throw new ArgumentException(
                $"A session id must be 1 to {SessionLimits.MaxIdLength} characters from [A-Za-z0-9._~-]; {problem}.", paramName);
        }
    }

    /// <summary>Throws unless <paramref name="ttl"/> is greater than zero and at most <see cref="SessionLimits.MaxTtl"/>.</summary>
    /// <param name="ttl">The time to live.</param>
    /// <param name="paramName">The caller's parameter name.</param>
    /// <exception cref="ArgumentOutOfRangeException">The TTL is zero, negative or too long.</exception>
    public static void ValidateTtl(TimeSpan ttl, [CallerArgumentExpression(nameof(ttl))] string? paramName = null)
    {
        if (ttl <= TimeSpan.Zero || ttl > SessionLimits.MaxTtl)
        {
            throw new ArgumentOutOfRangeException(
                paramName, ttl, $"A session TTL must be greater than zero and at most {SessionLimits.MaxTtl.TotalDays} days.");
        }
    }

    /// <summary>Throws unless <paramref name="subject"/> is <see langword="null"/> or 1 to 256 characters without control characters.</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="paramName">The caller's parameter name.</param>
    /// <exception cref="ArgumentException">The subject is empty, too long or has a control character.</exception>
    public static void ValidateSubject(string? subject, [CallerArgumentExpression(nameof(subject))] string? paramName = null)
    {
        if (subject is null)
        {
            return;
        }

        if (subject.Length is 0 or > SessionLimits.MaxSubjectLength)
        {
            throw new ArgumentException($"A subject must be 1 to {SessionLimits.MaxSubjectLength} characters; got {subject.Length}.", paramName);
        }

        for (var i = 0; i < subject.Length; i++)
        {
            var c = subject[i];
            if (char.IsControl(c))
            {
                throw new ArgumentException($"A subject must not contain control characters; the character at index {i} is {CodePoint(subject, i)}.", paramName);
            }

            if (char.IsHighSurrogate(c) && i + 1 < subject.Length && char.IsLowSurrogate(subject[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                throw new ArgumentException($"A subject must not contain unpaired surrogates; the character at index {i} is {CodePoint(subject, i)}.", paramName);
            }
        }
    }

    /// <summary>Validates a write: TTL, subject, expected version and data size.</summary>
    /// <param name="write">The write.</param>
    /// <param name="maxDataBytes">The store's configured limit.</param>
    /// <param name="paramName">The caller's parameter name.</param>
    /// <exception cref="ArgumentOutOfRangeException">The TTL or expected version is out of range.</exception>
    /// <exception cref="ArgumentException">The data is larger than <paramref name="maxDataBytes"/> or the subject is invalid.</exception>
    public static void ValidateWrite(in SessionWrite write, int maxDataBytes, [CallerArgumentExpression(nameof(write))] string? paramName = null)
    {
        ValidateTtl(write.Ttl, paramName + ".Ttl");
        ValidateSubject(write.Subject, paramName + ".Subject");
        if (write.ExpectedVersion is < 0)
        {
            throw new ArgumentOutOfRangeException(paramName + ".ExpectedVersion", write.ExpectedVersion, "An expected version must be 0 (create only) or more.");
        }

        if (write.Data.Length > maxDataBytes)
        {
            throw new ArgumentException(
                $"Session data is {write.Data.Length} bytes, more than this store's limit of {maxDataBytes} bytes (MaxDataBytes). Nothing was written.",
                paramName + ".Data");
        }
    }

    /// <summary>Validates a query.</summary>
    /// <param name="query">The query.</param>
    /// <param name="paramName">The caller's parameter name.</param>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The page size is out of range.</exception>
    /// <exception cref="ArgumentException">The subject is invalid.</exception>
    public static void ValidateQuery(SessionQuery query, [CallerArgumentExpression(nameof(query))] string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(query, paramName);
        ValidateSubject(query.Subject, paramName + ".Subject");
        if (query.PageSize is < 1 or > SessionLimits.MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(paramName + ".PageSize", query.PageSize, $"A page size must be 1 to {SessionLimits.MaxPageSize}.");
        }
    }

    /// <summary>A TTL in whole milliseconds, rounded up so that a sub-millisecond remainder never shortens it.</summary>
    /// <param name="ttl">A validated TTL.</param>
    /// <returns>The milliseconds, at least 1.</returns>
    public static long ToMilliseconds(TimeSpan ttl) =>
        Math.Max(1, (ttl.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);

    /// <summary>
    /// A short tag that names a session in log lines and messages without revealing its id: the first 8 hex digits of
    /// the SHA-256 of the id's UTF-8 bytes.
    /// </summary>
    /// <remarks>
    /// The same id always gets the same tag, in every process and every release, so log lines of one session correlate
    /// across app instances. A tag cannot be turned back into the id (a session id has far more than 32 bits of
    /// entropy), and it gives no part of the id away, unlike a prefix would: a tag in a log is useless to a session
    /// thief. Two ids can share a tag (1 in 4 billion), which a log reader can live with.
    /// </remarks>
    /// <param name="id">The session id (any text; it need not be valid).</param>
    /// <returns>Eight lowercase hex digits, or <c>(none)</c> when <paramref name="id"/> is <see langword="null"/>.</returns>
    public static string Tag(string? id)
    {
        if (id is null)
        {
            return "(none)";
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var max = Encoding.UTF8.GetMaxByteCount(id.Length);
        var rented = max <= 1024 ? null : ArrayPool<byte>.Shared.Rent(max);
        try
        {
            Span<byte> utf8 = rented ?? stackalloc byte[1024];
            var length = Encoding.UTF8.GetBytes(id, utf8);
            SHA256.HashData(utf8[..length], hash);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return Convert.ToHexStringLower(hash[..4]);
    }

    /// <summary>
    /// Text from outside (a file name, a server's reply, a setting) made safe to embed in an exception message or a log
    /// line: every control character and every unpaired surrogate is replaced by its <c>\uXXXX</c> escape, so that the
    /// text cannot start a new log line or hide what follows it.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <returns><paramref name="text"/> itself when it has nothing to escape, else an escaped copy.</returns>
    public static string EscapeControlCharacters(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = FirstUnprintable(text);
        if (first < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        builder.Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else if (char.IsControl(c) || char.IsSurrogate(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static int FirstUnprintable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsControl(c) || char.IsSurrogate(c))
            {
                return i;
            }
        }

        return -1;
    }

    private static string OutsideTheSet(string id, int index) => $"the character at index {index} is {CodePoint(id, index)}, outside that set";

    // The code point at index as U+XXXX: a whole surrogate pair as one code point, a lone surrogate as itself.
    private static string CodePoint(string text, int index) =>
        Rune.TryGetRuneAt(text, index, out var rune)
            ? $"U+{rune.Value:X4}"
            : $"U+{(int)text[index]:X4}";
}
