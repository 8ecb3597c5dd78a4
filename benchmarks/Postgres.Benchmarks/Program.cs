using System;
using System.Linq;
using System.Threading.Tasks;
using BenchmarkDotNet.Running;
using SessionStores.Benchmarks;
using SessionStores.TestServers;

namespace SessionStores.Postgres.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- --filter *</c> runs the BenchmarkDotNet comparison; <c>dotnet run -c Release -- --prune</c>
/// runs the pruning experiment; <c>--interleaved</c> the drift-resistant store/raw comparison; <c>--fast-defaults</c> read-modify-write requests on a
/// durable server, ours (prepared or not, Full or Relaxed durability) vs connect-pg-simple's statements. Both use <c>$SESSIONSTORES_POSTGRES</c> or start a throwaway local server (whose
/// connection string the benchmark child processes inherit through that variable).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        await using var server = await BenchmarkServer.StartUnlessGivenAsync(
            PostgresTestServer.EnvironmentVariable, PostgresTestServer.StartLocalAsync, "No PostgreSQL binaries found");
        if (args.Contains("--prune"))
        {
            await PruningExperiment.RunAsync(args);
        }
        else if (args.Contains("--fast-defaults"))
        {
            await FastDefaultsComparison.RunAsync(args);
        }
        else if (args.Contains("--interleaved"))
        {
            await InterleavedComparison.RunAsync(args);
        }
        else
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        }

        return 0;
    }
}
