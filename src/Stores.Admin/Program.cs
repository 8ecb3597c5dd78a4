using System;
using System.CommandLine;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Admin;

/// <summary>The entry point of <c>sessionstores</c>, and the seam the tests run it through in process.</summary>
internal static class Program
{
    /// <summary>The variable read when <c>--connection</c> is not given.</summary>
    public const string ConnectionVariable = "SESSIONSTORES_CONNECTION";

    public static Task<int> Main(string[] args) =>
        RunAsync(args, Console.Out, Console.Error, AdminTerminal.FromConsole(), Environment.GetEnvironmentVariable, CancellationToken.None);

    /// <summary>Parses <paramref name="args"/>, runs the command and maps every outcome to one of <see cref="ExitCodes"/>.</summary>
    public static async Task<int> RunAsync(
        string[] args, TextWriter output, TextWriter error, AdminTerminal terminal, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        var context = new AdminContext(output, error, terminal, environment);
        var parseResult = AdminCommandLine.Create(context).Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var parseError in parseResult.Errors)
            {
                await error.WriteLineAsync($"error: {parseError.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync("Run 'sessionstores --help' for the commands and options.").ConfigureAwait(false);
            return ExitCodes.BadUsage;
        }

        try
        {
            // Exceptions reach the mapping below rather than System.CommandLine's handler, which would return 1.
            var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
            return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (AdminUsageException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.BadUsage;
        }
        catch (ArgumentException ex)
        {
            // The stores' own validation (ids, subjects, options) says what is wrong without echoing the input; the
            // parameter name it adds is the library's, not an option the operator could look up.
            var message = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal);
            await error.WriteLineAsync($"error: {message}").ConfigureAwait(false);
            return ExitCodes.BadUsage;
        }
        catch (SessionStoreException ex)
        {
            await error.WriteLineAsync($"store failure: {ex.Message}").ConfigureAwait(false);
            if (ex.InnerException is { } inner)
            {
                await error.WriteLineAsync($"  caused by {inner.GetType().Name}: {inner.Message}").ConfigureAwait(false);
            }

            return ExitCodes.StoreFailure;
        }
        catch (InvalidOperationException ex) when (ex is not ObjectDisposedException)
        {
            // How the stores report a backend they cannot use as configured (a missing or foreign table): a failure of
            // the store, which the operator fixes on the backend or with the namespace options; the tool creates nothing.
            await error.WriteLineAsync($"store not usable: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.StoreFailure;
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C, through the token System.CommandLine hands the action; the stores report their own timeouts as
            // SessionStoreException, so a cancellation here is always the operator's.
            await error.WriteLineAsync("cancelled").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
        catch (Exception ex)
        {
            await error.WriteLineAsync($"unexpected failure (please report it): {ex}").ConfigureAwait(false);
            return ExitCodes.Unexpected;
        }
    }
}
