using System;
using System.Diagnostics;

namespace SessionStores.Scale.Benchmarks;

/// <summary>
/// Latencies in buckets of 1 µs up to 1 ms, then of 100 µs up to 100 ms, then one overflow bucket: enough resolution
/// for a p999 of a few milliseconds without storing every sample. One per worker; merged at the end.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int FineBuckets = 1_000;
    private const int CoarseBuckets = 1_000;
    private readonly long[] _counts = new long[FineBuckets + CoarseBuckets + 1];

    public long Count { get; private set; }

    public void Record(long startTimestamp)
    {
        var micros = Stopwatch.GetElapsedTime(startTimestamp).Ticks / 10;
        var bucket = micros < FineBuckets ? micros : FineBuckets + Math.Min((micros - FineBuckets) / 100, CoarseBuckets);
        _counts[bucket]++;
        Count++;
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
    }

    /// <summary>The latency at quantile <paramref name="q"/>, in microseconds (the bucket's upper bound).</summary>
    public double Quantile(double q)
    {
        var target = (long)Math.Ceiling(q * Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= target && seen > 0)
            {
                return i < FineBuckets ? i + 1 : FineBuckets + ((i - FineBuckets + 1) * 100);
            }
        }

        return double.NaN;
    }
}
