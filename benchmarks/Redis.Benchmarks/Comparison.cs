using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace SessionStores.Redis.Benchmarks;

/// <summary>What the hand-written comparisons share: their command-line options (<c>--name value</c>) and the median of rounds.</summary>
internal static class Comparison
{
    public static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
