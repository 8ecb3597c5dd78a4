using System;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using Testcontainers.MongoDb;

namespace SessionStores.TestServers;

/// <summary>
/// The MongoDB server of this test process: <c>$SESSIONSTORES_MONGO</c> (a connection string), else a Testcontainers
/// container when a Docker engine answers, else none (there is no local binary to start: MongoDB has no Debian
/// package). Resolved once per process.
/// </summary>
public static class MongoTestServer
{
    /// <summary>The backend name in <c>SESSIONSTORES_REQUIRED_BACKENDS</c>.</summary>
    public const string Backend = "mongo";

    /// <summary>The variable that may hold a MongoDB connection string.</summary>
    public const string EnvironmentVariable = "SESSIONSTORES_MONGO";

    /// <summary>The image started when Docker answers.</summary>
    public const string Image = "mongo:7";

    private static readonly Lazy<Task<BackendResolution>> Resolution = new(
        () => TestBackends.ResolveAsync(Backend, EnvironmentVariable, startLocal: null, StartContainerAsync));

    /// <summary>The server of this process (started on first call).</summary>
    /// <returns>The resolution.</returns>
    public static Task<BackendResolution> ResolveAsync() => Resolution.Value;

    /// <summary>
    /// The connection string; without a server, skips the calling test with "no MongoDB server available (set
    /// SESSIONSTORES_MONGO or start Docker)", or fails it when <c>mongo</c> is a required backend.
    /// </summary>
    /// <returns>The connection string.</returns>
    public static async Task<string> ConnectionStringOrSkipAsync()
    {
        var resolution = await ResolveAsync();
        return resolution.ConnectionString ?? TestServerSkip.SkipOrFail(Backend, "MongoDB", EnvironmentVariable, resolution);
    }

    /// <summary>Starts a MongoDB container, or returns <see langword="null"/> when no Docker engine answers.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The server, or <see langword="null"/>.</returns>
    public static async Task<ITestServer?> StartContainerAsync(CancellationToken cancellationToken)
    {
        if (!DockerEngine.IsAvailable)
        {
            return null;
        }

        var container = new MongoDbBuilder(Image).Build();
        await container.StartAsync(cancellationToken);
        return new DockerContainerServer(container.GetConnectionString(), container.DisposeAsync);
    }
}

/// <summary>The skip-or-fail rule of the test servers, with the wording of the project's skip reasons.</summary>
internal static class TestServerSkip
{
    public static string SkipOrFail(string backend, string product, string environmentVariable, BackendResolution resolution)
    {
        // TestBackends words its reason "no <backend> server available (<attempts>). Set …"; keep only the attempts.
        var tried = resolution.UnavailableReason ?? string.Empty;
        var (open, close) = (tried.IndexOf('(', StringComparison.Ordinal), tried.LastIndexOf(')'));
        if (open >= 0 && close > open)
        {
            tried = tried[(open + 1)..close];
        }

        return TestBackends.SkipOrFail(backend, $"no {product} server available (set {environmentVariable} or start Docker); tried: {tried}");
    }
}
