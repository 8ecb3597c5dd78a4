using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.TestServers;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>
/// The Express app of <c>express-app/server.js</c> (express-session and the npm store named by <c>STORE</c>), run with
/// the machine's <c>node</c>: started once per fixture, stopped with it. Backend name <c>node</c>: listed in
/// SESSIONSTORES_REQUIRED_BACKENDS, a missing node or npm package fails instead of skipping.
/// </summary>
public sealed class ExpressApp : IAsyncDisposable
{
    public const string Backend = "node";

    private readonly Process _process;

    private ExpressApp(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static string Directory => typeof(ExpressApp).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ExpressAppDirectory").Value!;

    /// <summary>Starts the app with <paramref name="environment"/>; skips (or fails, when required) without node.</summary>
    public static async Task<ExpressApp> StartAsync(IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var node = LocalBinaries.Find("node");
        var reason = node is null ? "no 'node' on PATH (eng/test.sh installs it)"
            : !System.IO.Directory.Exists(Path.Combine(Directory, "node_modules")) ? $"no node_modules in {Directory} (run 'npm ci' there; eng/test.sh does)"
            : null;
        if (reason is not null)
        {
            TestBackends.SkipOrFail(Backend, $"the Express app cannot run: there is {reason}.");
        }

        var start = new ProcessStartInfo(node!, "server.js")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new List<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException("The Express app exited before listening:\n" + string.Join('\n', output)));
                return;
            }

            lock (output)
            {
                output.Add(e.Data);
            }

            if (e.Data.StartsWith("listening ", StringComparison.Ordinal))
            {
                listening.TrySetResult(int.Parse(e.Data["listening ".Length..], System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.Add(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return new ExpressApp(process, new Uri($"http://127.0.0.1:{port}/"));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
