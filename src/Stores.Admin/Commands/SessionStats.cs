using System;
using System.Collections.Generic;
using System.Linq;

namespace SessionStores.Admin.Commands;

/// <summary>
/// The figures of <c>stats</c>, gathered one session at a time as the listing streams. Memory grows with the number of
/// distinct subjects, never with the number of sessions.
/// </summary>
internal sealed class SessionStats
{
    private readonly Dictionary<string, SubjectTotals> _subjects = new(StringComparer.Ordinal);

    public long Count { get; private set; }

    public long TotalBytes { get; private set; }

    public long WithoutSubject { get; private set; }

    public DateTimeOffset? OldestCreatedAt { get; private set; }

    public DateTimeOffset? NewestCreatedAt { get; private set; }

    public DateTimeOffset? FirstExpiresAt { get; private set; }

    public DateTimeOffset? LastExpiresAt { get; private set; }

    public int DistinctSubjects => _subjects.Count;

    /// <summary>The mean size in bytes, 0 for an empty store.</summary>
    public double AverageBytes => Count == 0 ? 0 : (double)TotalBytes / Count;

    public void Add(SessionInfo session)
    {
        Count++;
        TotalBytes += session.Size;
        OldestCreatedAt = Min(OldestCreatedAt, session.CreatedAt);
        NewestCreatedAt = Max(NewestCreatedAt, session.CreatedAt);
        FirstExpiresAt = Min(FirstExpiresAt, session.ExpiresAt);
        LastExpiresAt = Max(LastExpiresAt, session.ExpiresAt);
        if (session.Subject is null)
        {
            WithoutSubject++;
            return;
        }

        _subjects.TryGetValue(session.Subject, out var totals);
        _subjects[session.Subject] = new SubjectTotals(session.Subject, totals.Sessions + 1, totals.Bytes + session.Size);
    }

    /// <summary>The <paramref name="top"/> subjects with the most sessions; ties in subject order, so output is stable.</summary>
    public IReadOnlyList<SubjectTotals> TopSubjects(int top) =>
        _subjects.Values.OrderByDescending(s => s.Sessions).ThenBy(s => s.Subject, StringComparer.Ordinal).Take(top).ToList();

    private static DateTimeOffset Min(DateTimeOffset? current, DateTimeOffset value) => current is { } c && c <= value ? c : value;

    private static DateTimeOffset Max(DateTimeOffset? current, DateTimeOffset value) => current is { } c && c >= value ? c : value;
}

/// <summary>One subject's share of the store.</summary>
internal readonly record struct SubjectTotals(string Subject, long Sessions, long Bytes);
