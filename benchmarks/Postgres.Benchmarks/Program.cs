using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Running;
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
        LocalPostgresServer? server = null;
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresTestServer.EnvironmentVariable)))
        {
            var local = await PostgresTestServer.StartLocalAsync(CancellationToken.None)
                ?? throw new InvalidOperationException($"No PostgreSQL binaries found; set {PostgresTestServer.EnvironmentVariable}.");
            server = (LocalPostgresServer)local;
            Environment.SetEnvironmentVariable(PostgresTestServer.EnvironmentVariable, server.ConnectionString);
        }

        try
        {
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
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }
}
