using System;
using System.CommandLine;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Admin.Output;

namespace SessionStores.Admin.Commands;

/// <summary>
/// <c>list [--subject s] [--data] [--limit n]</c>: streams the live sessions. The human form is one line per session
/// rather than a table, because a table must hold every row to size its columns and a store may hold millions.
/// </summary>
internal static class ListCommand
{
    public static Command Create(AdminContext context)
    {
        var subject = AdminCommandLine.SubjectOption("List only the sessions of this subject.");
        var data = new Option<bool>("--data") { Description = "Include each session's data (base64)." };
        var limit = AdminCommandLine.PositiveOption("--limit", "List at most this many sessions.");
        var command = new Command("list", "List the live sessions (id, subject, created, expires, size, version).") { subject, data, limit };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            context, parseResult, AdminCommandLine.Query(parseResult.GetValue(subject), parseResult.GetValue(data)), parseResult.GetValue(limit), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(AdminContext context, ParseResult parseResult, SessionQuery query, int? limit, CancellationToken cancellationToken)
    {
        var store = context.OpenStore(parseResult);
        await using (store.ConfigureAwait(false))
        {
            var json = context.Json(parseResult) ? new JsonOutput(context.Output) : null;
            var max = limit ?? long.MaxValue;
            long listed = 0;
            var truncated = false;
            json?.Writer.WriteStartObject();
            json?.Writer.WriteString("store", store.Backend);
            json?.Writer.WritePropertyName("sessions");
            json?.Writer.WriteStartArray();
            if (json is null)
            {
                await context.Output.WriteLineAsync(Header(query.IncludeData)).ConfigureAwait(false);
            }

            // Rows on a terminal are their own progress; a bar is drawn only when they go elsewhere.
            var showProgress = context.Terminal.ErrorIsTerminal && !(json is null && context.Terminal.OutputIsTerminal);
            await StreamProgress.RunAsync(
                context,
                showProgress,
                "Listing sessions",
                async ct => Math.Min(max, await store.Store.CountAsync(query with { IncludeData = false }, ct).ConfigureAwait(false)),
                async report =>
                {
                    await foreach (var info in store.Store.ListAsync(query, cancellationToken).ConfigureAwait(false))
                    {
                        if (listed == max)
                        {
                            truncated = true;
                            break;
                        }

                        var session = SessionView.From(info, query.IncludeData);
                        if (json is null)
                        {
                            await context.Output.WriteLineAsync(Line(session)).ConfigureAwait(false);
                        }
                        else
                        {
                            json.WriteSession(session);
                            await json.FlushIfLargeAsync().ConfigureAwait(false);
                        }

                        report(++listed);
                    }
                },
                cancellationToken).ConfigureAwait(false);

            if (json is not null)
            {
                json.Writer.WriteEndArray();
                json.Writer.WriteNumber("count", listed);
                json.Writer.WriteBoolean("truncated", truncated);
                json.Writer.WriteEndObject();
                await json.CompleteAsync().ConfigureAwait(false);
            }
            else if (truncated)
            {
                await context.Error.WriteLineAsync($"(stopped at --limit {max.ToString(CultureInfo.InvariantCulture)}; more sessions exist)").ConfigureAwait(false);
            }
        }

        return ExitCodes.Ok;
    }

    private static string Header(bool includeData) =>
        "ID\tSUBJECT\tCREATED\tEXPIRES\tSIZE\tVERSION" + (includeData ? "\tDATA" : string.Empty);

    /// <summary>Tab-separated, so <c>cut</c> and <c>awk -F'\t'</c> can take a column; ids and subjects hold no tabs.</summary>
    private static string Line(SessionView session) => string.Join(
        '\t',
        session.Id,
        session.Subject ?? "-",
        SessionView.Format(session.CreatedAt),
        SessionView.Format(session.ExpiresAt),
        session.Size.ToString(CultureInfo.InvariantCulture),
        session.Version.ToString(CultureInfo.InvariantCulture))
        + (session.Data is { } data ? "\t" + Convert.ToBase64String(data.Span) : string.Empty);
}
