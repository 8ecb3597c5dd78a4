using System.CommandLine;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Admin.Output;

namespace SessionStores.Admin.Commands;

/// <summary><c>count [--subject s]</c>: the live sessions, in one round trip where the store can.</summary>
internal static class CountCommand
{
    public static Command Create(AdminContext context)
    {
        var subject = AdminCommandLine.SubjectOption("Count only the sessions of this subject.");
        var command = new Command("count", "Count the live sessions.") { subject };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, parseResult, parseResult.GetValue(subject), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(AdminContext context, ParseResult parseResult, string? subject, CancellationToken cancellationToken)
    {
        var query = AdminCommandLine.Query(subject, includeData: false);
        var store = context.OpenStore(parseResult);
        await using (store.ConfigureAwait(false))
        {
            var count = await store.Store.CountAsync(query, cancellationToken).ConfigureAwait(false);
            if (context.Json(parseResult))
            {
                await JsonOutput.WriteFigureAsync(context.Output, store.Backend, "count", count).ConfigureAwait(false);
            }
            else
            {
                await context.Output.WriteLineAsync(count.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            }
        }

        return ExitCodes.Ok;
    }
}
