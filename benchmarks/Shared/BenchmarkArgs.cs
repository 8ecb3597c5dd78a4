using System;
using System.Globalization;

namespace SessionStores.Benchmarks;

/// <summary>The hand-written benchmark modes' options, <c>--name value</c>. Linked into each benchmark project that has such modes.</summary>
internal static class BenchmarkArgs
{
    /// <summary>The integer after <paramref name="name"/> (<c>--rounds 5</c>), else <paramref name="fallback"/>.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="name">The option, dashes included.</param>
    /// <param name="fallback">The value when the option is not given.</param>
    /// <returns>The option's value.</returns>
    public static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
