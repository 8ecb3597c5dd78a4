using System;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;

namespace SessionStores.Admin.Output;

/// <summary>
/// A progress bar on stderr while a command walks a store. Drawn only when stderr is a terminal, so scripts and
/// redirected output never see escape codes; stdout stays clean for the result.
/// </summary>
internal static class StreamProgress
{
    /// <summary>Redrawing the description on every session would cost more than the listing; every this many is enough.</summary>
    private const int DescriptionEvery = 250;

    /// <summary>
    /// Runs <paramref name="work"/>, which reports how many sessions it has handled so far. <paramref name="total"/>
    /// (one count round trip) is asked only when the bar is drawn.
    /// </summary>
    public static async Task RunAsync(
        AdminContext context, bool show, string label, Func<CancellationToken, Task<long>> total, Func<Action<long>, Task> work, CancellationToken cancellationToken)
    {
        if (!show)
        {
            await work(static _ => { }).ConfigureAwait(false);
            return;
        }

        var expected = await total(cancellationToken).ConfigureAwait(false);
        var console = Consoles.For(context.Error, isTerminal: true);
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(label, maxValue: Math.Max(expected, 1));
                await work(done =>
                {
                    // A store may gain sessions while it is walked; the bar then stretches rather than overflows.
                    task.MaxValue = Math.Max(task.MaxValue, done);
                    task.Value = done;
                    if (done % DescriptionEvery == 0)
                    {
                        task.Description = $"{label} ({done:N0})";
                    }
                }).ConfigureAwait(false);
                task.Value = task.MaxValue;
                task.StopTask();
            }).ConfigureAwait(false);
    }
}
