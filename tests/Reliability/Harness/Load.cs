using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Reliability.Harness;

/// <summary>Parallel clients, each sending its requests one after another; every reply is kept.</summary>
public static class Load
{
    /// <summary>Runs <paramref name="clients"/> clients of <paramref name="requestsEach"/> requests each.</summary>
    /// <param name="clients">How many clients run at once.</param>
    /// <param name="requestsEach">How many requests each sends, one after another.</param>
    /// <param name="send">Sends request <c>i</c> of client <c>c</c>.</param>
    /// <returns>Every reply.</returns>
    public static async Task<IReadOnlyList<Reply>> RunAsync(int clients, int requestsEach, Func<int, int, Task<Reply>> send)
    {
        var replies = new ConcurrentQueue<Reply>();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < requestsEach; i++)
            {
                replies.Enqueue(await send(c, i));
            }
        })));
        return replies.ToArray();
    }

    /// <summary>Parses the body of a counter reply.</summary>
    /// <param name="reply">A 200 reply of <c>/reliability/increment</c> or <c>/reliability/count</c>.</param>
    /// <returns>The value.</returns>
    public static int Counter(Reply reply)
    {
        Assert.True(reply.Status == 200, $"Expected 200 with a counter, got {reply}");
        return int.Parse(reply.Body.Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>The replies that are not 200, described for a failure message (the first few).</summary>
    /// <param name="replies">The replies.</param>
    /// <returns>The description.</returns>
    public static string Failures(IEnumerable<Reply> replies)
    {
        var failed = replies.Where(r => r.Status != 200).ToList();
        return $"{failed.Count} non-200: " + string.Join("; ", failed.GroupBy(r => r.Status).Select(g => $"{g.Key} x{g.Count()}"))
            + "\n" + string.Join("\n", failed.Take(5));
    }

    /// <summary>The test's cancellation token.</summary>
    public static CancellationToken Token => TestContext.Current.CancellationToken;
}
