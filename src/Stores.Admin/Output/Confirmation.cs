using System;
using System.CommandLine;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Admin.Output;

/// <summary>The question asked before anything is destroyed.</summary>
internal static class Confirmation
{
    /// <summary>
    /// True when <c>--yes</c> was given or the operator answered yes. Without a terminal to ask there is no answer, so a
    /// script must say <c>--yes</c>: destroying by default would make a typo in a cron job fatal.
    /// </summary>
    public static async Task<bool> ConfirmAsync(AdminContext context, ParseResult parseResult, string question, CancellationToken cancellationToken)
    {
        if (parseResult.GetValue(context.Options.Yes))
        {
            return true;
        }

        if (context.Terminal.Input is not { } input)
        {
            await context.Error.WriteLineAsync(
                $"refused: {question} No terminal can confirm it; pass --yes to run it unattended.").ConfigureAwait(false);
            return false;
        }

        await context.Error.WriteAsync($"{question} [y/N] ").ConfigureAwait(false);
        await context.Error.FlushAsync(cancellationToken).ConfigureAwait(false);
        var answer = (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false))?.Trim();
        if (string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) || string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        await context.Error.WriteLineAsync("refused: not confirmed; nothing was destroyed.").ConfigureAwait(false);
        return false;
    }
}
