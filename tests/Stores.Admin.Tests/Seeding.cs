using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Admin.Tests;

/// <summary>A store filled the way an application fills it: through <see cref="ISessionStore.SetAsync"/>.</summary>
public sealed class Seeded
{
    /// <summary>Subjects are spread so subject <c>user-0</c> holds the most sessions and every fifth session has none.</summary>
    public static async Task<Seeded> FillAsync(ISessionStore store, int count, string tag)
    {
        var sessions = Enumerable.Range(0, count).Select(i => new Session(
            $"{tag}-{i:D5}",
            i % 5 == 4 ? null : $"user-{(i % 5 == 0 ? 0 : i % 37)}",
            Encoding.UTF8.GetBytes($"payload {i} {new string('x', i % 100)}"))).ToList();
        await Parallel.ForEachAsync(
            sessions,
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = TestContext.Current.CancellationToken },
            async (s, ct) => await store.SetAsync(s.Id, new SessionWrite(s.Data, TimeSpan.FromHours(1), s.Subject), ct));
        return new Seeded(sessions);
    }

    private Seeded(List<Session> sessions) => Sessions = sessions;

    public IReadOnlyList<Session> Sessions { get; }

    public IEnumerable<Session> OfSubject(string? subject) => Sessions.Where(s => s.Subject == subject);

    public long TotalBytes => Sessions.Sum(s => (long)s.Data.Length);

    public sealed record Session(string Id, string? Subject, byte[] Data);
}
