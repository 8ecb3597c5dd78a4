using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.File.Tests;

/// <summary>Runs alone, so that the managed heap it measures holds no other test's objects.</summary>
[CollectionDefinition(nameof(LargeListingCollection), DisableParallelization = true)]
public sealed class LargeListingCollection;

/// <summary>
/// Listing, counting and deleting many sessions with flat memory. 20,000 sessions by default (a few seconds); set
/// <c>SESSIONSTORES_FILE_LISTING_SESSIONS=100000</c> for the full-size run.
/// </summary>
[Collection(nameof(LargeListingCollection))]
public sealed class LargeListingTests : IDisposable
{
    private const int DataBytes = 1024;
    private const long HeapGrowthLimit = 8 * 1024 * 1024;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sessionstores-file-large", Guid.NewGuid().ToString("N")[..12]);

    private static int Sessions =>
        int.TryParse(Environment.GetEnvironmentVariable("SESSIONSTORES_FILE_LISTING_SESSIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 20_000;

    [Fact]
    public async Task Listing_many_sessions_with_their_data_shows_each_once_and_holds_memory_flat()
    {
        var token = TestContext.Current.CancellationToken;
        var total = Sessions;

        // Flushing is irrelevant to listing; skipping it keeps the setup fast.
        await using var store = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory, FlushToDisk = false });
        await Parallel.ForEachAsync(Enumerable.Range(0, total), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = token }, async (i, ct) =>
        {
            var data = new byte[DataBytes];
            BitConverter.TryWriteBytes(data, i);
            await store.SetAsync($"s{i:D7}", new SessionWrite(data, TimeSpan.FromHours(1), i % 10 == 0 ? "tenth" : null), ct);
        });

        var seen = new bool[total];
        var listed = 0;
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peakGrowth = 0;
        await foreach (var info in store.ListAsync(SessionQuery.All with { IncludeData = true, PageSize = 1000 }, token))
        {
            var index = int.Parse(info.Id.AsSpan(1), CultureInfo.InvariantCulture);
            Assert.False(seen[index], $"{info.Id} was listed twice");
            seen[index] = true;
            Assert.Equal(index, BitConverter.ToInt32(info.Data!.Value.Span));
            if (++listed % 5000 == 0)
            {
                peakGrowth = Math.Max(peakGrowth, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            }
        }

        Assert.Equal(total, listed);
        Assert.True(peakGrowth < HeapGrowthLimit, $"the heap grew by {peakGrowth:N0} bytes while listing {(long)total * DataBytes:N0} bytes of sessions");
        Assert.Equal(total, await store.CountAsync(SessionQuery.All, token));
        Assert.Equal(total / 10, await store.CountAsync(SessionQuery.ForSubject("tenth"), token));
        Assert.Equal(total / 10, await store.DestroyManyAsync(SessionQuery.ForSubject("tenth"), token));
        Assert.Equal(total - (total / 10), await store.DestroyManyAsync(SessionQuery.All, token));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_directory, "subjects")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
