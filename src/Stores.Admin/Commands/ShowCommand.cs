using System;
using System.CommandLine;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Admin.Output;
using Spectre.Console;

namespace SessionStores.Admin.Commands;

/// <summary><c>show &lt;id&gt; [--data]</c>: one session, read without extending its life.</summary>
internal static class ShowCommand
{
    public static Command Create(AdminContext context)
    {
        var id = new Argument<string>("id") { Description = "The session id." };
        var data = new Option<bool>("--data") { Description = "Include the session's data (base64)." };
        var command = new Command("show", "Show one session; exit code 1 when there is none with that id.") { id, data };
        command.SetAction((parseResult, cancellationToken) =>
            RunAsync(context, parseResult, parseResult.GetRequiredValue(id), parseResult.GetValue(data), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(AdminContext context, ParseResult parseResult, string id, bool includeData, CancellationToken cancellationToken)
    {
        SessionValidation.ValidateId(id);
        var store = context.OpenStore(parseResult);
        await using (store.ConfigureAwait(false))
        {
            // GetAsync, not GetAndTouchAsync: looking at a session must not keep it alive.
            var record = await store.Store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (record is null)
            {
                // The id is a bearer secret: the message does not repeat it.
                await context.Error.WriteLineAsync($"not found: no live session with that id in the {store.Backend} store ({store.Location}).").ConfigureAwait(false);
                return ExitCodes.NotFound;
            }

            var session = SessionView.From(record, includeData);
            if (context.Json(parseResult))
            {
                var json = new JsonOutput(context.Output);
                json.WriteSession(session);
                await json.CompleteAsync().ConfigureAwait(false);
            }
            else
            {
                context.OutputConsole().Write(Describe(session));
            }
        }

        return ExitCodes.Ok;
    }

    private static Grid Describe(SessionView session)
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow(new Text("id"), new Text(session.Id));
        grid.AddRow(new Text("subject"), new Text(session.Subject ?? "-"));
        grid.AddRow(new Text("created"), new Text(SessionView.Format(session.CreatedAt)));
        grid.AddRow(new Text("expires"), new Text(SessionView.Format(session.ExpiresAt)));
        grid.AddRow(new Text("version"), new Text(session.Version.ToString(CultureInfo.InvariantCulture)));
        grid.AddRow(new Text("size"), new Text($"{session.Size.ToString("N0", CultureInfo.InvariantCulture)} bytes"));
        if (session.Data is { } data)
        {
            grid.AddRow(new Text("data"), new Text(Convert.ToBase64String(data.Span)));
        }

        return grid;
    }
}
