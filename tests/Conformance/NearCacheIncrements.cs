using System;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Conformance;

/// <summary>
/// The read-modify-write loop of the cross-process near-cache test, shared by the test and its worker process (linked into
/// SessionStores.NearCacheWorker): what the ASP.NET Core integration does per request.
/// </summary>
public static class NearCacheIncrements
{
    /// <summary>Increments the counter held by session <paramref name="id"/> <paramref name="count"/> times: load with a
    /// sliding read, write against the version loaded, and on a conflict re-read from the store and apply the change again.
    /// After each write, a sliding read must return that version or a newer one (read-your-writes).</summary>
    /// <param name="store">The store (a near cache).</param>
    /// <param name="id">The counter's session id.</param>
    /// <param name="count">How many increments.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>How many writes conflicted (and were retried).</returns>
    /// <exception cref="InvalidOperationException">A read after this process's own write returned an older version.</exception>
    public static async Task<int> RunAsync(ISessionStore store, string id, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var ttl = TimeSpan.FromMinutes(10);
        var conflicts = 0;
        for (var i = 0; i < count; i++)
        {
            var record = await store.GetAndTouchAsync(id, ttl, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var value = record is null ? 0 : long.Parse(record.Data.Span, CultureInfo.InvariantCulture);
                var data = Encoding.UTF8.GetBytes((value + 1).ToString(CultureInfo.InvariantCulture));
                var written = await store.SetAsync(id, new SessionWrite(data, ttl, null, record?.Version ?? 0), cancellationToken).ConfigureAwait(false);
                if (written.Succeeded)
                {
                    var reread = await store.GetAndTouchAsync(id, ttl, cancellationToken).ConfigureAwait(false);
                    if (reread is null || reread.Version < written.Version)
                    {
                        throw new InvalidOperationException($"Read-your-writes broken: wrote version {written.Version}, then read {reread?.Version}.");
                    }

                    break;
                }

                conflicts++;
                record = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            }
        }

        return conflicts;
    }
}
