using System;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;
using SessionStores.File;
using SessionStores.Memory;

namespace SessionStores.Scale.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- memory 10000 1000000</c> or <c>dotnet run -c Release -- file 10000 100000</c>: fills a
/// fresh store with each number of sessions and runs the same read-modify-write load on it (see
/// <see cref="ScaleRun"/>); for the file store also times a count and a sweep of expired files. Options:
/// <c>--seconds N</c> (timed window per size, default 10), <c>--workers N</c> (default 2 × cores),
/// <c>--data N</c> (bytes per session, default 256), <c>--dir PATH</c> (file store root, default under /tmp),
/// <c>--no-flush</c> (file store without fsync), <c>--no-maintenance</c> (file store: skip the count and sweep).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length < 2 || args[0] is not ("memory" or "file"))
        {
            Console.Error.WriteLine("usage: (memory|file) SIZE [SIZE...] [--seconds N] [--workers N] [--data N] [--dir PATH] [--no-flush] [--no-maintenance]");
            return 2;
        }

        var settings = ScaleSettings.Parse(args);
        Console.WriteLine($"# {args[0]} store, {settings.Workers} workers, {settings.DataBytes}-byte sessions, {settings.Seconds} s per size, GC server={System.Runtime.GCSettings.IsServerGC} latency={System.Runtime.GCSettings.LatencyMode}");
        Console.WriteLine(ScaleResult.Header);
        foreach (var size in settings.Sizes)
        {
            if (args[0] == "memory")
            {
                using var store = new MemorySessionStore(new MemorySessionStoreOptions());
                Console.WriteLine(await ScaleRun.RunAsync(store, size, settings));
            }
            else
            {
                var directory = Path.Combine(settings.Directory, size.ToString(CultureInfo.InvariantCulture));
                if (System.IO.Directory.Exists(directory))
                {
                    System.IO.Directory.Delete(directory, recursive: true);
                }

                await using (var store = new FileSessionStore(new FileSessionStoreOptions { Directory = directory, FlushToDisk = settings.FlushToDisk }))
                {
                    Console.WriteLine(await ScaleRun.RunAsync(store, size, settings));
                    if (settings.Maintenance)
                    {
                        Console.WriteLine(await FileMaintenanceRun.RunAsync(store, directory, size));
                    }
                }

                System.IO.Directory.Delete(directory, recursive: true);
            }
        }

        return 0;
    }
}
