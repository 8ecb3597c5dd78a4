using System.CommandLine;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Admin.Backends;
using SessionStores.Admin.Output;

namespace SessionStores.Admin.Commands;

/// <summary><c>destroy &lt;id&gt;</c>, <c>destroy --subject s</c> or <c>destroy --all</c>, each confirmed first.</summary>
internal static class DestroyCommand
{
    public static Command Create(AdminContext context)
    {
        var id = new Argument<string?>("id") { Description = "The session id to destroy.", Arity = ArgumentArity.ZeroOrOne };
        var subject = AdminCommandLine.SubjectOption("Destroy every session of this subject (a user's sign-out everywhere).");
        var all = new Option<bool>("--all") { Description = "Destroy every session in the store's namespace." };
        var command = new Command("destroy", "Destroy one session, a subject's sessions, or all of them; asks first unless --yes.") { id, subject, all };
        command.Validators.Add(result =>
        {
            var given = (result.GetValue(id) is null ? 0 : 1) + (result.GetValue(subject) is null ? 0 : 1) + (result.GetValue(all) ? 1 : 0);
            if (given != 1)
            {
                result.AddError("destroy takes exactly one of: an id, --subject <subject>, --all.");
            }
        });
        command.SetAction((parseResult, cancellationToken) => parseResult.GetValue(id) is { } sessionId
            ? DestroyOneAsync(context, parseResult, sessionId, cancellationToken)
            : DestroyManyAsync(context, parseResult, parseResult.GetValue(subject), cancellationToken));
        return command;
    }

    private static async Task<int> DestroyOneAsync(AdminContext context, ParseResult parseResult, string id, CancellationToken cancellationToken)
    {
        SessionValidation.ValidateId(id);
        var store = context.OpenStore(parseResult);
        await using (store.ConfigureAwait(false))
        {
            // Asking about a session that is not there would be a question with no point.
            if (await store.Store.GetAsync(id, cancellationToken).ConfigureAwait(false) is null)
            {
                return await NotFoundAsync(context, store).ConfigureAwait(false);
            }

            if (!await Confirmation.ConfirmAsync(context, parseResult, $"Destroy 1 session in the {store.Backend} store ({store.Location})?", cancellationToken).ConfigureAwait(false))
            {
                return ExitCodes.Refused;
            }

            if (!await store.Store.DestroyAsync(id, cancellationToken).ConfigureAwait(false))
            {
                return await NotFoundAsync(context, store).ConfigureAwait(false);
            }

            await ReportAsync(context, parseResult, store, 1).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> DestroyManyAsync(AdminContext context, ParseResult parseResult, string? subject, CancellationToken cancellationToken)
    {
        var query = AdminCommandLine.Query(subject, includeData: false);
        var store = context.OpenStore(parseResult);
        await using (store.ConfigureAwait(false))
        {
            var count = await store.Store.CountAsync(query, cancellationToken).ConfigureAwait(false);
            if (count > 0)
            {
                var which = subject is null ? "every session" : $"the {Sessions(count)} of the given subject";
                var question = subject is null
                    ? $"Destroy {which} ({Sessions(count)}) in the {store.Backend} store ({store.Location})?"
                    : $"Destroy {which} in the {store.Backend} store ({store.Location})?";
                if (!await Confirmation.ConfirmAsync(context, parseResult, question, cancellationToken).ConfigureAwait(false))
                {
                    return ExitCodes.Refused;
                }

                count = await store.Store.DestroyManyAsync(query, cancellationToken).ConfigureAwait(false);
            }

            await ReportAsync(context, parseResult, store, count).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> NotFoundAsync(AdminContext context, AdminStore store)
    {
        // The id is a bearer secret: the message does not repeat it.
        await context.Error.WriteLineAsync($"not found: no live session with that id in the {store.Backend} store ({store.Location}).").ConfigureAwait(false);
        return ExitCodes.NotFound;
    }

    private static async Task ReportAsync(AdminContext context, ParseResult parseResult, AdminStore store, long destroyed)
    {
        if (context.Json(parseResult))
        {
            await JsonOutput.WriteFigureAsync(context.Output, store.Backend, "destroyed", destroyed).ConfigureAwait(false);
        }
        else
        {
            await context.Output.WriteLineAsync($"Destroyed {Sessions(destroyed)}.").ConfigureAwait(false);
        }
    }

    private static string Sessions(long count) =>
        count == 1 ? "1 session" : $"{count.ToString("N0", CultureInfo.InvariantCulture)} sessions";
}
