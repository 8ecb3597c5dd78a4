using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace SessionStores.Scale.Benchmarks;

/// <summary>The command line of <see cref="Program"/>.</summary>
internal sealed record ScaleSettings(IReadOnlyList<int> Sizes, int Seconds, int Workers, int DataBytes, string Directory, bool FlushToDisk, bool Maintenance)
{
    public static ScaleSettings Parse(string[] args)
    {
        var sizes = new List<int>();
        var seconds = 10;
        var workers = 2 * Environment.ProcessorCount;
        var data = 256;
        var directory = Path.Combine(Path.GetTempPath(), "sessionstores-scale");
        var flush = true;
        var maintenance = true;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds": seconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--workers": workers = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--data": data = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--dir": directory = args[++i]; break;
                case "--no-flush": flush = false; break;
                case "--no-maintenance": maintenance = false; break;
                default: sizes.Add(int.Parse(args[i], CultureInfo.InvariantCulture)); break;
            }
        }

        return new ScaleSettings(sizes, seconds, workers, data, directory, flush, maintenance);
    }
}
