using System;
using System.Threading.Tasks;
using DotNet.Testcontainers.Configurations;
using SessionStores.Conformance;

namespace SessionStores.TestServers;

/// <summary>Whether a Docker engine answers, checked once per process (Testcontainers probes its endpoints once).</summary>
public static class DockerEngine
{
    private static readonly Lazy<bool> Available = new(Probe);

    /// <summary><see langword="true"/> when Testcontainers found a Docker endpoint that answers.</summary>
    public static bool IsAvailable => Available.Value;

    private static bool Probe()
    {
        try
        {
            // Null when no endpoint answers; costs under a second, and never hangs (checked without a daemon).
            return TestcontainersSettings.OS.DockerEndpointAuthConfig is not null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"Probing for Docker failed: {ex.GetType().Name}: {ex.Message}");
            return false;
        }
    }
}

/// <summary>A started container as an <see cref="ITestServer"/>; disposing it removes the container.</summary>
/// <param name="connectionString">How to reach the server.</param>
/// <param name="dispose">Stops and removes the container.</param>
internal sealed class DockerContainerServer(string connectionString, Func<ValueTask> dispose) : ITestServer
{
    public string ConnectionString { get; } = connectionString;

    public ValueTask DisposeAsync() => dispose();
}
