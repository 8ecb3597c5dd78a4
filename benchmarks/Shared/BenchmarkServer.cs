using System;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.TestServers;

namespace SessionStores.Benchmarks;

/// <summary>
/// The server of one benchmark process: the connection string in an environment variable (a server of your own), else a
/// throwaway local one started here, whose connection string is put in that variable for BenchmarkDotNet's child
/// processes to inherit. Linked into each benchmark project that starts its server from tests/TestServers.
/// </summary>
internal static class BenchmarkServer
{
    /// <summary>Starts a local server unless <paramref name="variable"/> names one already.</summary>
    /// <param name="variable">The test servers' variable for the backend (<c>SESSIONSTORES_POSTGRES</c>, ...).</param>
    /// <param name="startLocal">Starts the throwaway server; <see langword="null"/> when its binaries are missing.</param>
    /// <param name="missing">What to install: the message when no server can be had (the variable is named after it).</param>
    /// <returns>The server started here, to dispose at the end; <see langword="null"/> when the variable named one.</returns>
    public static async Task<ITestServer?> StartUnlessGivenAsync(string variable, Func<CancellationToken, Task<ITestServer?>> startLocal, string missing)
    {
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(variable)))
        {
            return null;
        }

        var server = await startLocal(CancellationToken.None) ?? throw new InvalidOperationException($"{missing}; set {variable}.");
        Environment.SetEnvironmentVariable(variable, server.ConnectionString);
        return server;
    }
}
