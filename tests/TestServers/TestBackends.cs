using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.TestServers;

/// <summary>A server started for tests; disposing it stops it and removes its files.</summary>
public interface ITestServer : IAsyncDisposable
{
    /// <summary>How to reach the server, in the driver's connection-string syntax.</summary>
    string ConnectionString { get; }
}

/// <summary>
/// Finds a real server for a backend in the order the project's tests use everywhere: (1) a connection string from an
/// environment variable; (2) a throwaway server from a binary on this machine; (3) a throwaway container when a Docker
/// engine answers; (4) otherwise the backend is unavailable, with the reason. The variable
/// <see cref="RequiredVariable"/> lists backends that must not be skipped: for them "unavailable" fails the test.
/// </summary>
public static class TestBackends
{
    /// <summary>The environment variable with a comma-separated list of backend names that must run (for example
    /// <c>memory,file,redis,redis-cluster,postgres</c>); <c>*</c> means all.</summary>
    public const string RequiredVariable = "SESSIONSTORES_REQUIRED_BACKENDS";

    /// <summary>Whether <paramref name="backend"/> is listed in <see cref="RequiredVariable"/>.</summary>
    /// <param name="backend">The backend name.</param>
    /// <returns><see langword="true"/> when a skip must become a failure.</returns>
    public static bool IsRequired(string backend)
    {
        var list = Environment.GetEnvironmentVariable(RequiredVariable);
        if (string.IsNullOrWhiteSpace(list))
        {
            return false;
        }

        return list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(b => b == "*" || string.Equals(b, backend, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Ends the current test for want of <paramref name="backend"/>: skips it with <paramref name="reason"/>, or fails it
    /// ("&lt;backend&gt; is required (…) but &lt;reason&gt;") when the backend is listed in <see cref="RequiredVariable"/>.
    /// </summary>
    /// <param name="backend">The backend name.</param>
    /// <param name="reason">Why it cannot run.</param>
    /// <returns>Never returns normally; typed so that callers can write <c>x ?? TestBackends.SkipOrFail(...)</c>.</returns>
    [DoesNotReturn]
    public static string SkipOrFail(string backend, string reason)
    {
        if (IsRequired(backend))
        {
            Assert.Fail($"{backend} is required ({RequiredVariable}) but {reason}");
        }

        Assert.Skip(reason);
        return null!;
    }

    /// <summary>Resolves a server for <paramref name="backend"/>. Call once per process (cache the task).</summary>
    /// <param name="backend">The backend name, as listed in <see cref="RequiredVariable"/>.</param>
    /// <param name="environmentVariable">The variable that may hold a connection string.</param>
    /// <param name="startLocal">Starts a server from a local binary, or returns <see langword="null"/> with no binary; may be <see langword="null"/>.</param>
    /// <param name="startContainer">Starts a container, or returns <see langword="null"/> when no Docker engine answers; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the resolution.</param>
    /// <returns>The resolution: a connection string, or the reason there is none.</returns>
    public static async Task<BackendResolution> ResolveAsync(
        string backend,
        string environmentVariable,
        Func<CancellationToken, Task<ITestServer?>>? startLocal,
        Func<CancellationToken, Task<ITestServer?>>? startContainer,
        CancellationToken cancellationToken = default)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return new BackendResolution(backend, fromEnvironment, null, $"${environmentVariable}");
        }

        var attempts = new List<string> { $"${environmentVariable} is not set" };
        foreach (var (how, start) in new[] { ("local binary", startLocal), ("Docker container", startContainer) })
        {
            if (start is null)
            {
                continue;
            }

            try
            {
                var server = await start(cancellationToken).ConfigureAwait(false);
                if (server is not null)
                {
                    ServerRegistry.Track(server);
                    return new BackendResolution(backend, server.ConnectionString, null, how);
                }

                attempts.Add($"no {how}");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                attempts.Add($"{how} failed: {ex.GetType().Name}: {ex.Message}");
            }
        }

        return new BackendResolution(backend, null, $"no {backend} server available ({string.Join("; ", attempts)}). Set {environmentVariable} or start Docker.", null);
    }

    private static class ServerRegistry
    {
        private static readonly List<ITestServer> Servers = [];

        static ServerRegistry()
        {
            // Throwaway servers live as long as the test process; stop them when it exits.
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                lock (Servers)
                {
                    foreach (var server in Servers)
                    {
                        try
                        {
                            server.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
                        }
                        catch (Exception ex)
                        {
                            Console.Error.WriteLine($"Stopping a test server failed: {ex.Message}");
                        }
                    }
                }
            };
        }

        public static void Track(ITestServer server)
        {
            lock (Servers)
            {
                Servers.Add(server);
            }
        }
    }
}

/// <summary>The outcome of <see cref="TestBackends.ResolveAsync"/>.</summary>
public sealed class BackendResolution
{
    internal BackendResolution(string backend, string? connectionString, string? unavailableReason, string? source)
    {
        Backend = backend;
        ConnectionString = connectionString;
        UnavailableReason = unavailableReason;
        Source = source;
    }

    /// <summary>The backend name.</summary>
    public string Backend { get; }

    /// <summary>The connection string, or <see langword="null"/> when unavailable.</summary>
    public string? ConnectionString { get; }

    /// <summary>Why there is no server, or <see langword="null"/>.</summary>
    public string? UnavailableReason { get; }

    /// <summary>Where the server came from (the variable, "local binary", "Docker container").</summary>
    public string? Source { get; }

    /// <summary>
    /// Returns the connection string; when there is none, skips the current test with the reason, or fails it when the
    /// backend is required (<see cref="TestBackends.RequiredVariable"/>).
    /// </summary>
    /// <returns>The connection string.</returns>
    public string EnsureAvailable()
    {
        if (ConnectionString is not null)
        {
            return ConnectionString;
        }

        return TestBackends.SkipOrFail(Backend, UnavailableReason!);
    }
}
