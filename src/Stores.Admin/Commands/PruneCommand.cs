using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Admin.Output;

namespace SessionStores.Admin.Commands;

/// <summary>
/// <c>prune</c>: deletes the expired sessions now, on the stores that delete them themselves (file, postgres,
/// sqlserver). Not confirmed: an expired session is already gone for every reader, so nothing live is lost.
/// </summary>
internal static class PruneCommand
{
    public static Command Create(AdminContext context)
    {
        var command = new Command("prune", "Delete the expired sessions now (file, postgres and sqlserver; redis and mongo expire them natively).");
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, parseResult, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(AdminContext context, ParseResult parseResult, CancellationToken cancellationToken)
    {
        var store = context.OpenStore(parseResult);
        await using (store.ConfigureAwait(false))
        {
            if (store.Prune is null)
            {
                throw new AdminUsageException($"The {store.Backend} store expires sessions itself; there is nothing to prune.");
            }

            var report = await store.Prune(cancellationToken).ConfigureAwait(false);
            if (context.Json(parseResult))
            {
                var json = new JsonOutput(context.Output);
                json.Writer.WriteStartObject();
                json.Writer.WriteString("store", store.Backend);
                json.Writer.WriteBoolean("ran", report.Ran);
                json.Writer.WriteNumber("deleted", report.Deleted);
                foreach (var (name, value) in report.Details)
                {
                    json.Writer.WriteNumber(name, value);
                }

                json.Writer.WriteEndObject();
                await json.CompleteAsync().ConfigureAwait(false);
            }
            else if (!report.Ran)
            {
                await context.Output.WriteLineAsync("Another instance is pruning this store right now; this run deleted nothing.").ConfigureAwait(false);
            }
            else
            {
                var details = string.Join(", ", report.Details.Select(d => $"{d.Key}: {d.Value.ToString(CultureInfo.InvariantCulture)}"));
                await context.Output.WriteLineAsync(
                    $"Pruned {report.Deleted.ToString(CultureInfo.InvariantCulture)} expired sessions" + (details.Length > 0 ? $" ({details})." : ".")).ConfigureAwait(false);
            }
        }

        return ExitCodes.Ok;
    }
}
