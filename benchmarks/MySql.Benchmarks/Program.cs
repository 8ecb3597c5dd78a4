using System;
using System.Threading.Tasks;
using BenchmarkDotNet.Running;
using SessionStores.Benchmarks;
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
        await using var server = await BenchmarkServer.StartUnlessGivenAsync(
            MySqlTestServer.EnvironmentVariable, MySqlTestServer.StartLocalAsync, "No MariaDB binaries found");
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
