using System;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using Testcontainers.MsSql;

namespace SessionStores.TestServers;

/// <summary>
/// The SQL Server of this test process: <c>$SESSIONSTORES_SQLSERVER</c> (a SqlClient connection string), else a
/// Testcontainers container when a Docker engine answers, else none (SQL Server has no package for this machine).
/// Resolved once per process.
/// </summary>
public static class SqlServerTestServer
{
    /// <summary>The backend name in <c>SESSIONSTORES_REQUIRED_BACKENDS</c>.</summary>
    public const string Backend = "sqlserver";

    /// <summary>The variable that may hold a SqlClient connection string.</summary>
    public const string EnvironmentVariable = "SESSIONSTORES_SQLSERVER";

    /// <summary>The image started when Docker answers.</summary>
    public const string Image = "mcr.microsoft.com/mssql/server:2022-latest";

    private static readonly Lazy<Task<BackendResolution>> Resolution = new(
        () => TestBackends.ResolveAsync(Backend, EnvironmentVariable, startLocal: null, StartContainerAsync));

    /// <summary>The server of this process (started on first call).</summary>
    /// <returns>The resolution.</returns>
    public static Task<BackendResolution> ResolveAsync() => Resolution.Value;

    /// <summary>
    /// The connection string; without a server, skips the calling test with "no SQL Server server available (set
    /// SESSIONSTORES_SQLSERVER or start Docker)", or fails it when <c>sqlserver</c> is a required backend.
    /// </summary>
    /// <returns>The connection string.</returns>
    public static async Task<string> ConnectionStringOrSkipAsync()
    {
        var resolution = await ResolveAsync();
        return resolution.ConnectionString ?? TestServerSkip.SkipOrFail(Backend, "SQL Server", EnvironmentVariable, resolution);
    }

    /// <summary>Starts a SQL Server container, or returns <see langword="null"/> when no Docker engine answers.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The server, or <see langword="null"/>.</returns>
    public static async Task<ITestServer?> StartContainerAsync(CancellationToken cancellationToken)
    {
        if (!DockerEngine.IsAvailable)
        {
            return null;
        }

        var container = new MsSqlBuilder(Image).Build();
        await container.StartAsync(cancellationToken);
        return new DockerContainerServer(container.GetConnectionString(), container.DisposeAsync);
    }
}
