using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// The pause between two compare-and-set attempts of one commit: exponential with full jitter (a random pause up to
/// 2 ms, 4 ms, 8 ms … capped at 200 ms), so that requests racing on one session spread out instead of retrying in lock
/// step; bounded by the commit deadline (<see cref="StoreBackedSessionOptions.CommitTimeout"/>) rather than by a count.
/// </summary>
internal struct MergeBackoff
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan Cap = TimeSpan.FromMilliseconds(200);
    private readonly long _started;
    private readonly TimeSpan _deadline;
    private int _attempt;

    public MergeBackoff(TimeSpan deadline)
    {
        _started = Stopwatch.GetTimestamp();
        _deadline = deadline;
    }

    /// <summary>Waits before the next attempt.</summary>
    /// <returns><see langword="false"/> (at once) when the next attempt would start after the deadline.</returns>
    public async ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        var ceiling = First * Math.Pow(2, Math.Min(_attempt++, 16));
        var pause = (ceiling < Cap ? ceiling : Cap) * Random.Shared.NextDouble();
        if (Stopwatch.GetElapsedTime(_started) + pause >= _deadline)
        {
            return false;
        }

        await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
