using System;
using System.CommandLine;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Admin.Backends;
using SessionStores.Admin.Output;
using SessionStores.ExpressCompat;

namespace SessionStores.Admin.Express;

/// <summary>
/// <c>convert-express</c>: the one-off switch from an express-session store (connect-redis, connect-pg-simple,
/// session-file-store) to the native store of <c>--store</c>, once the last Express route is gone. Every live session
/// keeps its values (as <c>AddStoreBackedSession</c> reads them) and its remaining lifetime, under the key derived from
/// its id (<see cref="ExpressSessionConversion.AspNetCoreSessionKey"/>: the session middleware reads no other). Writes are
/// create-only, so a re-run converts what is new and never replaces a native session (which may be newer).
/// </summary>
internal static class ConvertExpressCommand
{
    public static Command Create(AdminContext context)
    {
        var source = new ExpressSourceOptions();
        var dryRun = new Option<bool>("--dry-run") { Description = "Read and convert every session, write nothing, report what would be written." };
        var command = new Command(
            "convert-express",
            "Copy the sessions an Express app keeps (connect-redis, connect-pg-simple, session-file-store) into the native store of --store; asks first unless --yes or --dry-run.")
        {
            dryRun,
        };
        source.AddTo(command);
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, source, parseResult, parseResult.GetValue(dryRun), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(AdminContext context, ExpressSourceOptions sourceOptions, ParseResult parseResult, bool dryRun, CancellationToken cancellationToken)
    {
        var target = context.OpenStore(parseResult);
        await using (target.ConfigureAwait(false))
        {
            var (source, description) = sourceOptions.Open(parseResult, context.OperationTimeout(parseResult));
            try
            {
                var question = $"Convert the sessions of the Express store ({description}) into the {target.Backend} store ({target.Location})?";
                if (!dryRun && !await Confirmation.ConfirmAsync(context, parseResult, question, cancellationToken).ConfigureAwait(false))
                {
                    return ExitCodes.Refused;
                }

                var tally = new ExpressConversionTally();
                await StreamProgress.RunAsync(
                    context,
                    context.Terminal.ErrorIsTerminal && !context.Json(parseResult),
                    dryRun ? "Checking" : "Converting",
                    ct => CountAsync(source, ct),
                    report => ConvertAllAsync(context, source, target, dryRun, tally, report, cancellationToken),
                    cancellationToken).ConfigureAwait(false);
                await ReportAsync(context, parseResult, target, dryRun, tally).ConfigureAwait(false);
                return tally.Failed == 0 ? ExitCodes.Ok : ExitCodes.PartlyFailed;
            }
            finally
            {
                if (source is IAsyncDisposable disposable)
                {
                    await disposable.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task<long> CountAsync(ExpressSessionFormatStore source, CancellationToken cancellationToken)
    {
        long count = 0;
        await foreach (var _ in source.ListIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            count++;
        }

        return count;
    }

    private static async Task ConvertAllAsync(
        AdminContext context, ExpressSessionFormatStore source, AdminStore target, bool dryRun, ExpressConversionTally tally, Action<long> report, CancellationToken cancellationToken)
    {
        long done = 0;
        await foreach (var id in source.ListIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            var outcome = await ConvertOneAsync(source, target.Store, id, dryRun, cancellationToken).ConfigureAwait(false);
            tally.Add(outcome.Kind);
            if (outcome.Problem is { } problem)
            {
                // The id is a bearer secret: the message names the session by its tag only.
                await context.Error.WriteLineAsync($"session {SessionValidation.Tag(id)} not converted: {problem}").ConfigureAwait(false);
            }

            report(++done);
        }
    }

    private static async Task<(ConversionKind Kind, string? Problem)> ConvertOneAsync(
        ExpressSessionFormatStore source, ISessionStore target, string id, bool dryRun, CancellationToken cancellationToken)
    {
        if (!SessionValidation.IsValidId(id))
        {
            return (ConversionKind.Failed, "its id is no valid session id for the native stores");
        }

        SessionRecord? record;
        byte[] data;
        var now = DateTimeOffset.UtcNow;
        try
        {
            // A record the profile cannot read (session-file-store's file is not JSON) fails at the read; one that is
            // JSON but no object fails at the conversion: either way that session is reported and the walk goes on.
            record = await source.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (record is null || record.ExpiresAt <= now)
            {
                // Expired and not yet removed by the npm store's pruning: nothing a user could come back to.
                return (ConversionKind.Expired, null);
            }

            data = ExpressSessionConversion.ToAspNetCoreSession(id, record.Data.Span, now);
        }
        catch (SessionDataCorruptedException ex)
        {
            return (ConversionKind.Failed, ex.Message);
        }

        var left = record.ExpiresAt - now;
        var ttl = left > SessionLimits.MaxTtl ? SessionLimits.MaxTtl : left;
        if (dryRun)
        {
            return (ConversionKind.Converted, null);
        }

        var key = ExpressSessionConversion.AspNetCoreSessionKey(id);
        var result = await target.SetAsync(key, new SessionWrite(data, ttl, expectedVersion: 0), cancellationToken).ConfigureAwait(false);
        return (result.Succeeded ? ConversionKind.Converted : ConversionKind.AlreadyNative, null);
    }

    private static async Task ReportAsync(AdminContext context, ParseResult parseResult, AdminStore target, bool dryRun, ExpressConversionTally tally)
    {
        if (context.Json(parseResult))
        {
            var json = new JsonOutput(context.Output);
            json.Writer.WriteStartObject();
            json.Writer.WriteString("store", target.Backend);
            json.Writer.WriteBoolean("dryRun", dryRun);
            json.Writer.WriteNumber("converted", tally.Converted);
            json.Writer.WriteNumber("alreadyNative", tally.AlreadyNative);
            json.Writer.WriteNumber("expired", tally.Expired);
            json.Writer.WriteNumber("failed", tally.Failed);
            json.Writer.WriteEndObject();
            await json.CompleteAsync().ConfigureAwait(false);
            return;
        }

        var verb = dryRun ? "Would convert" : "Converted";
        await context.Output.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"{verb} {tally.Converted:N0}; already in the native store (kept) {tally.AlreadyNative:N0}; expired (skipped) {tally.Expired:N0}; failed {tally.Failed:N0}.")).ConfigureAwait(false);
    }
}
