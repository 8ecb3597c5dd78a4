using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Admin.Tests;

/// <summary>What one run of the tool left behind.</summary>
public sealed record AdminResult(int ExitCode, string Output, string Error)
{
    /// <summary>The stdout as the one JSON document <c>--json</c> promises; fails the test when it is not one.</summary>
    public JsonElement Json()
    {
        Assert.True(ExitCode == 0, $"exit code {ExitCode}; stderr: {Error}");
        using var document = JsonDocument.Parse(Output);
        return document.RootElement.Clone();
    }
}

/// <summary>Runs <c>sessionstores</c> in process (through <see cref="Program.RunAsync"/>) or as a real process.</summary>
public static class AdminRun
{
    /// <summary>
    /// Runs the tool in process with no terminal, unless <paramref name="answer"/> stands for an operator typing it at
    /// a confirmation prompt. <paramref name="environment"/> replaces the process environment.
    /// </summary>
    public static async Task<AdminResult> InProcessAsync(
        string[] args, string? answer = null, IReadOnlyDictionary<string, string>? environment = null, bool errorIsTerminal = false)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var terminal = new AdminTerminal(answer is null ? null : new StringReader(answer + "\n"), OutputIsTerminal: false, ErrorIsTerminal: errorIsTerminal);
        var exitCode = await Program.RunAsync(
            args, output, error, terminal, name => environment is not null && environment.TryGetValue(name, out var value) ? value : null,
            TestContext.Current.CancellationToken);
        return new AdminResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs <c>dotnet sessionstores.dll</c> from the test output, stdin redirected (so no terminal can confirm).</summary>
    public static async Task<AdminResult> ProcessAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sessionstores.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The connection must come from the command line here, never from the test machine's environment.
        start.Environment.Remove(Program.ConnectionVariable);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return new AdminResult(process.ExitCode, await output, await error);
    }
}
