using System;
using System.Collections.Generic;
using System.Linq;

namespace SessionStores.Benchmarks;

/// <summary>
/// Percentiles of measured samples by nearest rank (the smallest sample with at least that share of the samples at or
/// below it), the definition Scale.Benchmarks' LatencyHistogram uses too. Linked into each benchmark project that
/// reports percentiles or medians of rounds.
/// </summary>
internal static class Percentiles
{
    /// <summary>The percentile <paramref name="p"/> (0.99 for p99) of samples sorted in ascending order.</summary>
    /// <param name="sorted">The samples, in ascending order.</param>
    /// <param name="p">The share, greater than 0 and at most 1.</param>
    /// <returns>The sample at that rank; <see cref="double.NaN"/> when there are none.</returns>
    public static double Of(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>The median of rounds (their p50 by nearest rank: the middle one of an odd number).</summary>
    /// <param name="values">The rounds' values, in any order.</param>
    /// <returns>The median.</returns>
    public static double Median(IEnumerable<double> values) => Of(values.Order().ToArray(), 0.5);
}
