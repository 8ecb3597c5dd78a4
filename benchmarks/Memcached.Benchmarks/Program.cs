using System;
using System.Linq;
using System.Threading.Tasks;
using BenchmarkDotNet.Running;
using SessionStores.Benchmarks;
using SessionStores.TestServers;

namespace SessionStores.Memcached.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- --filter *</c> runs the store-vs-raw comparison on <c>$SESSIONSTORES_MEMCACHED</c>, or on a
/// throwaway local memcached whose address the benchmark child processes inherit through that variable;
/// <c>--connection-spread</c> runs <see cref="ConnectionSpreadComparison"/> instead.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        await using var server = await BenchmarkServer.StartUnlessGivenAsync(
            MemcachedTestServer.EnvironmentVariable, async ct => await MemcachedTestServer.StartLocalAsync(1, ct), "No memcached binary found");
        if (args.Contains("--connection-spread"))
        {
            await ConnectionSpreadComparison.RunAsync(args);
            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
