using System;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Running;
using SessionStores.Conformance;
using SessionStores.TestServers;

namespace SessionStores.MySql.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- --filter *</c> runs the comparison against <c>$SESSIONSTORES_MYSQL</c>, or against a
/// throwaway local MariaDB started here (whose connection string the benchmark child processes inherit through that
/// variable).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        ITestServer? server = null;
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(MySqlTestServer.EnvironmentVariable)))
        {
            server = await MySqlTestServer.StartLocalAsync(CancellationToken.None)
                ?? throw new InvalidOperationException($"No MariaDB binaries found; set {MySqlTestServer.EnvironmentVariable}.");
            Environment.SetEnvironmentVariable(MySqlTestServer.EnvironmentVariable, server.ConnectionString);
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
