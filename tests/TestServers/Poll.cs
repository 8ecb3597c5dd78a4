using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.TestServers;

/// <summary>Waits for a server-side condition by polling it (tests never wait with fixed sleeps).</summary>
public static class Poll
{
    /// <summary>Polls <paramref name="condition"/> every 20 ms until it holds; fails with <paramref name="failure"/>
    /// after <paramref name="timeoutMs"/>.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="failure">The assertion message when it never holds.</param>
    /// <param name="timeoutMs">How long to poll.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    public static Task UntilAsync(Func<Task<bool>> condition, string failure, int timeoutMs = 5000) =>
        UntilAsync(condition, () => failure, timeoutMs);

    /// <summary>Polls <paramref name="condition"/> every 20 ms until it holds; fails with the message
    /// <paramref name="failure"/> builds at that moment (say, with the last error seen) after <paramref name="timeoutMs"/>.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="failure">Builds the assertion message when it never holds.</param>
    /// <param name="timeoutMs">How long to poll.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    public static async Task UntilAsync(Func<Task<bool>> condition, Func<string> failure, int timeoutMs = 5000)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(failure);
        var elapsed = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (elapsed.ElapsedMilliseconds >= timeoutMs)
            {
                Assert.Fail(failure());
            }

            await Task.Delay(20, TestContext.Current.CancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Polls a synchronous <paramref name="condition"/>; see <see cref="UntilAsync(Func{Task{bool}}, string, int)"/>.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="failure">The assertion message when it never holds.</param>
    /// <param name="timeoutMs">How long to poll.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    public static Task UntilAsync(Func<bool> condition, string failure, int timeoutMs = 5000) =>
        UntilAsync(() => Task.FromResult(condition()), failure, timeoutMs);
}
