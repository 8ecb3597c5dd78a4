using System;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Running;
using SessionStores.TestServers;

namespace SessionStores.Memcached.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- --filter *</c> runs the store-vs-raw comparison on <c>$SESSIONSTORES_MEMCACHED</c>, or on a
/// throwaway local memcached whose address the benchmark child processes inherit through that variable.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        LocalMemcachedSet? server = null;
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(MemcachedTestServer.EnvironmentVariable)))
        {
            server = await MemcachedTestServer.StartLocalAsync(1, CancellationToken.None)
                ?? throw new InvalidOperationException($"No memcached binary found; set {MemcachedTestServer.EnvironmentVariable}.");
            Environment.SetEnvironmentVariable(MemcachedTestServer.EnvironmentVariable, server.ConnectionString);
        }

        try
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
            return 0;
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }
}
