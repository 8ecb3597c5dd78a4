using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.TestServers;

namespace SessionStores.Reliability.Harness;

/// <summary>
/// The sample app (samples/SessionDemo) as a real child process on a free loopback port: <c>dotnet SessionDemo.dll
/// --urls http://127.0.0.1:PORT ...</c>. Its output is kept (the last lines go into failure messages); disposing kills it,
/// and a shell watchdog kills it should the test process die first.
/// </summary>
public sealed class DemoProcess : IAsyncDisposable
{
    private const int KeptLines = 60;
    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private Process? _watchdog;

    private DemoProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>The port the app listens on.</summary>
    public int Port { get; }

    /// <summary>The app's address.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the app wrote (stdout and stderr), for failure messages.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>Starts the app with <paramref name="arguments"/> (<c>--store</c>, <c>--connection</c>, ...) and waits until it answers.</summary>
    /// <param name="arguments">The app's arguments, <c>--urls</c> excluded.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running app.</returns>
    public static async Task<DemoProcess> StartAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var assembly = SessionDemoAssembly();
        var list = arguments.ToList();

        // A free port can be taken between the probe and the bind: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = LoopbackPorts.Free();
            var start = new ProcessStartInfo("dotnet")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Path.GetDirectoryName(assembly)!,
            };
            start.ArgumentList.Add(assembly);
            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
            list.ForEach(start.ArgumentList.Add);
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

            var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
            var app = new DemoProcess(process, port);
            app.Capture();
            app.StartWatchdog();
            try
            {
                await app.WaitReadyAsync(cancellationToken);
                return app;
            }
            catch (InvalidOperationException) when (attempt < 3 && app.HasExited)
            {
                await app.DisposeAsync();
            }
        }
    }

    /// <summary>Kills the process with SIGKILL (no shutdown: leases and in-flight requests are abandoned) and waits for it to end.</summary>
    /// <returns>A task that completes once the process is gone.</returns>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        finally
        {
            _process.Dispose();
            try
            {
                _watchdog?.Kill();
            }
            catch (InvalidOperationException)
            {
                // The watchdog already ended.
            }

            _watchdog?.Dispose();
        }
    }

    private static string SessionDemoAssembly()
    {
        var path = typeof(DemoProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "SessionDemoAssembly").Value!;
        return System.IO.File.Exists(path)
            ? path
            : throw new InvalidOperationException($"The sample app is not built at {path}: build samples/SessionDemo in the same configuration first.");
    }

    private void Capture()
    {
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > KeptLines)
            {
                _output.Dequeue();
            }
        }
    }

    // Should this test process die without disposing, the app must not outlive it.
    private void StartWatchdog()
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"while kill -0 {Environment.ProcessId} 2>/dev/null && kill -0 {_process.Id} 2>/dev/null; do sleep 2; done; kill -9 {_process.Id} 2>/dev/null");
        _watchdog = Process.Start(start);
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The sample app exited with {_process.ExitCode} before it answered:\n{RecentOutput}");
            }

            try
            {
                using var response = await client.GetAsync("/reliability/ping", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Slow start on a busy machine.
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException($"The sample app on port {Port} did not answer within 60 s:\n{RecentOutput}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }
}
