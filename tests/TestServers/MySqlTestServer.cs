using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using Testcontainers.MySql;

namespace SessionStores.TestServers;

/// <summary>
/// The MySQL-compatible server of this test process: <c>$SESSIONSTORES_MYSQL</c> (a MySqlConnector connection string to
/// MySQL 8 or MariaDB 10.6+), else a throwaway MariaDB from the local binaries of Debian's <c>mariadb-server</c>
/// (<see cref="LocalMariaDbServer"/>), else a Testcontainers MySQL container. Resolved once per process.
/// </summary>
public static class MySqlTestServer
{
    /// <summary>The backend name in <c>SESSIONSTORES_REQUIRED_BACKENDS</c>.</summary>
    public const string Backend = "mysql";

    /// <summary>The variable that may hold a MySqlConnector connection string.</summary>
    public const string EnvironmentVariable = "SESSIONSTORES_MYSQL";

    private static readonly Lazy<Task<BackendResolution>> Resolution = new(
        () => TestBackends.ResolveAsync(Backend, EnvironmentVariable, StartLocalAsync, StartContainerAsync));

    /// <summary>The server of this process (started on first call).</summary>
    /// <returns>The resolution; call <see cref="BackendResolution.EnsureAvailable"/> for the connection string.</returns>
    public static Task<BackendResolution> ResolveAsync() => Resolution.Value;

    /// <summary>Starts a throwaway MariaDB from local binaries, or returns <see langword="null"/> when there are none.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The server, or <see langword="null"/>.</returns>
    public static async Task<ITestServer?> StartLocalAsync(CancellationToken cancellationToken) =>
        FindBinaries() is { } binaries ? await LocalMariaDbServer.StartAsync(binaries, cancellationToken) : null;

    /// <summary>Starts a MySQL container, or returns <see langword="null"/> when no Docker engine answers.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The server, or <see langword="null"/>.</returns>
    public static async Task<ITestServer?> StartContainerAsync(CancellationToken cancellationToken)
    {
        if (!DockerEngine.IsAvailable)
        {
            return null;
        }

        var container = new MySqlBuilder("mysql:8.4").Build();
        await container.StartAsync(cancellationToken);
        return new DockerContainerServer(container.GetConnectionString(), container.DisposeAsync);
    }

    /// <summary>The MariaDB server binaries of this machine, or <see langword="null"/>.</summary>
    internal static MariaDbBinaries? FindBinaries()
    {
        string? Find(params string[] names) =>
            names.SelectMany(n => new[] { "/usr/sbin/" + n, "/usr/bin/" + n, "/usr/local/bin/" + n, "/usr/local/sbin/" + n }).FirstOrDefault(File.Exists);

        return (Find("mariadbd"), Find("mariadb-install-db"), Find("mariadb-admin")) is ({ } server, { } install, { } admin)
            ? new MariaDbBinaries(server, install, admin)
            : null;
    }
}

/// <summary>The MariaDB binaries a <see cref="LocalMariaDbServer"/> runs.</summary>
/// <param name="Server">The path of <c>mariadbd</c>.</param>
/// <param name="InstallDb">The path of <c>mariadb-install-db</c>.</param>
/// <param name="Admin">The path of <c>mariadb-admin</c>.</param>
public sealed record MariaDbBinaries(string Server, string InstallDb, string Admin);
