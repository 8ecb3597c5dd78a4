using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using StackExchange.Redis;

namespace SessionStores.Redis;

// Cursor scans in pages: a server's session keys (SCAN with the escaped MATCH pattern) and a subject index's entries (ZSCAN).
public sealed partial class RedisSessionStore
{
    /// <summary>
    /// How many keys one server's scan remembers to drop repeats. <c>SCAN</c> may return a key twice when the server
    /// resizes its key table during the scan (as other writers to the database, or expiring keys, make it do); a key
    /// returned again after this many is passed on again.
    /// </summary>
    internal const int ScanRepeatMemory = 100_000;

    /// <summary>This store's session keys on one server, in pages; the glob match is re-checked exactly, and a key the
    /// scan returns again is dropped (up to <see cref="ScanRepeatMemory"/> keys).</summary>
    private IAsyncEnumerable<List<RedisKey>> ScanSessionPagesAsync(IServer server, int pageSize, CancellationToken cancellationToken)
    {
        var seen = new HashSet<RedisKey>();
        return ScanPagesAsync(
            () => server.KeysAsync(_database, _keys.SessionPattern, pageSize),
            key => _keys.TryGetSessionId(key) is not null && (seen.Count < ScanRepeatMemory ? seen.Add(key) : !seen.Contains(key)),
            pageSize,
            pageSize,
            cancellationToken);
    }

    private IAsyncEnumerable<List<SortedSetEntry>> ScanIndexPagesAsync(IDatabase db, RedisKey indexKey, int pageSize, CancellationToken cancellationToken) =>
        ScanPagesAsync(
            () => db.SortedSetScanAsync(indexKey, default, pageSize),
            static entry => SessionValidation.IsValidId((string?)entry.Element),
            pageSize,
            Math.Min(pageSize, 256),
            cancellationToken);

    /// <summary>A cursor scan in pages of <paramref name="pageSize"/> items, keeping only those <paramref name="keep"/>
    /// accepts; each step must complete before <paramref name="cancellationToken"/> is cancelled.</summary>
    private async IAsyncEnumerable<List<T>> ScanPagesAsync<T>(
        Func<IAsyncEnumerable<T>> scan, Func<T, bool> keep, int pageSize, int pageCapacity,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var enumerator = scan().GetAsyncEnumerator(cancellationToken);
        try
        {
            var page = new List<T>(pageCapacity);
            while (true)
            {
                if (!await enumerator.MoveNextAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false))
                {
                    break;
                }

                var item = enumerator.Current;
                if (!keep(item))
                {
                    continue;
                }

                page.Add(item);
                if (page.Count == pageSize)
                {
                    yield return page;
                    page = new List<T>(pageCapacity);
                }
            }

            if (page.Count > 0)
            {
                yield return page;
            }
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }
}
