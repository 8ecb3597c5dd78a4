using System;
using System.IO;
using System.Linq;

namespace SessionStores.TestServers;

/// <summary>Finds the executables the tests run (redis-server, memcached, node) on this machine.</summary>
public static class LocalBinaries
{
    /// <summary>The path of executable <paramref name="name"/>: the first on PATH, then in /usr/bin and /usr/local/bin.</summary>
    /// <param name="name">The file name.</param>
    /// <returns>The path, or <see langword="null"/> when there is none.</returns>
    public static string? Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin").Append("/usr/local/bin")
            .Select(d => Path.Combine(d, name))
            .FirstOrDefault(File.Exists);
    }
}
