using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.TestServers;

/// <summary>
/// The mechanics every throwaway local server shares (ports: <see cref="LoopbackPorts"/>): running a helper binary, polling for
/// readiness, the watchdog that stops a server whose test process died, and deleting its temp directory.
/// </summary>
internal static class LocalServerProcess
{
    /// <summary>Runs a binary to completion (as <paramref name="runAsUser"/> via <c>runuser</c> when given) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> ExecuteAsync(
        string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken, string? workingDirectory = null, string? runAsUser = null)
    {
        var start = new ProcessStartInfo(runAsUser is null ? file : "runuser")
        {
            // With runAsUser: run from a directory that user can read (not root's home).
            WorkingDirectory = workingDirectory ?? string.Empty,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (runAsUser is not null)
        {
            foreach (var argument in new[] { "-u", runAsUser, "--", file })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// Runs a binary like <see cref="ExecuteAsync"/> and returns its standard output; a non-zero exit throws
    /// <see cref="InvalidOperationException"/> with the output and, when given, the contents of <paramref name="logOnFailure"/>.
    /// </summary>
    public static async Task<string> RunAsync(
        string file,
        IReadOnlyList<string> arguments,
        CancellationToken cancellationToken,
        string? workingDirectory = null,
        string? runAsUser = null,
        string? logOnFailure = null)
    {
        var (exitCode, output, error) = await ExecuteAsync(file, arguments, cancellationToken, workingDirectory, runAsUser);
        if (exitCode != 0)
        {
            var log = logOnFailure is not null ? " " + ReadIfExists(logOnFailure) : string.Empty;
            throw new InvalidOperationException(
                $"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited with {exitCode}: {output} {error}{log}");
        }

        return output;
    }

    /// <summary>
    /// Polls <paramref name="isReady"/> every <paramref name="interval"/> (never a fixed sleep) until it answers
    /// <see langword="true"/>; after <paramref name="timeout"/> throws <see cref="InvalidOperationException"/> with
    /// <paramref name="timeoutMessage"/>. The probe may throw to give up early (the server process exited).
    /// </summary>
    public static async Task WaitReadyAsync(
        Func<CancellationToken, Task<bool>> isReady, TimeSpan timeout, TimeSpan interval, string timeoutMessage, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await isReady(cancellationToken))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(timeoutMessage);
            }

            await Task.Delay(interval, cancellationToken);
        }
    }

    /// <summary>
    /// If the test process is killed, nothing runs its exit handlers: starts a detached shell that waits while this
    /// process lives and <paramref name="aliveCondition"/> (a shell test) holds, then runs <paramref name="stopCommand"/>
    /// and deletes <paramref name="root"/>.
    /// </summary>
    public static void StartWatchdog(string root, string aliveCondition, string stopCommand)
    {
        var script =
            $"( while [ -d /proc/{Environment.ProcessId} ] && {aliveCondition}; do sleep 2; done; " +
            $"{stopCommand}; rm -rf '{root}' ) </dev/null >/dev/null 2>&1 &";
        var start = new ProcessStartInfo("sh") { UseShellExecute = false, WorkingDirectory = root };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using var process = Process.Start(start);
        process?.WaitForExit();
    }

    /// <summary>Whether a text-protocol server on 127.0.0.1:<paramref name="port"/> answers <paramref name="request"/>
    /// with a reply starting <paramref name="expected"/>; a refused or dropped connection is <see langword="false"/>.</summary>
    public static async Task<bool> AnswersAsync(int port, byte[] request, byte[] expected, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync(request, cancellationToken);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, cancellationToken);
            return read >= expected.Length && buffer.AsSpan(0, expected.Length).SequenceEqual(expected);
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The text of a server log, or empty when the server never wrote one.</summary>
    public static string ReadIfExists(string path) => File.Exists(path) ? File.ReadAllText(path) : string.Empty;

    /// <summary>Deletes a server's temp directory, ignoring files that are still in use or not ours to delete.</summary>
    public static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
