using System;
using System.Buffers;
using System.Runtime.CompilerServices;

namespace SessionStores;

/// <summary>
/// The one validator every store calls before any I/O, so that bad input fails the same way everywhere and loses no
/// stored data.
/// </summary>
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
            throw new ArgumentException(
                $"A session id must be 1 to {SessionLimits.MaxIdLength} characters from [A-Za-z0-9._~-]; got {Describe(id)}.",
                paramName);
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
            var unpaired = char.IsLowSurrogate(c) || char.IsHighSurrogate(c) && (i + 1 == subject.Length || !char.IsLowSurrogate(subject[++i]));
            if (char.IsControl(c) || unpaired)
            {
                throw new ArgumentException("A subject must not contain control characters or unpaired surrogates.", paramName);
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

    /// <summary>Shortens an id for logs: enough to correlate, not enough to hijack a session.</summary>
    /// <param name="id">The session id.</param>
    /// <returns>At most its first six characters followed by an ellipsis.</returns>
    public static string Shorten(string? id) => id is null ? "(null)" : id.Length <= 6 ? id : string.Concat(id.AsSpan(0, 6), "…");

    private static string Describe(string id) =>
        id.Length == 0 ? "an empty string" : id.Length > SessionLimits.MaxIdLength ? $"{id.Length} characters" : $"\"{id}\"";
}
