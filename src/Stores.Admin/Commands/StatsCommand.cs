using System;
using System.CommandLine;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Admin.Output;
using Spectre.Console;

namespace SessionStores.Admin.Commands;

/// <summary><c>stats [--subject s] [--top n]</c>: count, sizes, ages and the busiest subjects, from one streamed listing.</summary>
internal static class StatsCommand
{
    private const int DefaultTop = 10;

    public static Command Create(AdminContext context)
    {
        var subject = AdminCommandLine.SubjectOption("Only the sessions of this subject.");
        var top = AdminCommandLine.PositiveOption("--top", $"How many of the subjects with the most sessions to show (default {DefaultTop}).");
        var command = new Command("stats", "Summarise the live sessions: count, total and average size, oldest and newest, top subjects.") { subject, top };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            context, parseResult, AdminCommandLine.Query(parseResult.GetValue(subject), includeData: false), parseResult.GetValue(top) ?? DefaultTop, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(AdminContext context, ParseResult parseResult, SessionQuery query, int top, CancellationToken cancellationToken)
    {
        var stats = new SessionStats();
        var store = context.OpenStore(parseResult);
        await using (store.ConfigureAwait(false))
        {
            await StreamProgress.RunAsync(
                context,
                context.Terminal.ErrorIsTerminal,
                "Reading sessions",
                ct => store.Store.CountAsync(query, ct),
                async report =>
                {
                    await foreach (var session in store.Store.ListAsync(query, cancellationToken).ConfigureAwait(false))
                    {
                        stats.Add(session);
                        report(stats.Count);
                    }
                },
                cancellationToken).ConfigureAwait(false);

            if (context.Json(parseResult))
            {
                await WriteJsonAsync(context, store.Backend, stats, top).ConfigureAwait(false);
            }
            else
            {
                WriteTables(context.OutputConsole(), stats, top);
            }
        }

        return ExitCodes.Ok;
    }

    private static async Task WriteJsonAsync(AdminContext context, string backend, SessionStats stats, int top)
    {
        var json = new JsonOutput(context.Output);
        var writer = json.Writer;
        writer.WriteStartObject();
        writer.WriteString("store", backend);
        writer.WriteNumber("count", stats.Count);
        writer.WriteNumber("totalBytes", stats.TotalBytes);
        writer.WriteNumber("averageBytes", Math.Round(stats.AverageBytes, 1));
        WriteTime(writer, "oldestCreatedAt", stats.OldestCreatedAt);
        WriteTime(writer, "newestCreatedAt", stats.NewestCreatedAt);
        WriteTime(writer, "firstExpiresAt", stats.FirstExpiresAt);
        WriteTime(writer, "lastExpiresAt", stats.LastExpiresAt);
        writer.WriteNumber("distinctSubjects", stats.DistinctSubjects);
        writer.WriteNumber("withoutSubject", stats.WithoutSubject);
        writer.WriteStartArray("topSubjects");
        foreach (var subject in stats.TopSubjects(top))
        {
            writer.WriteStartObject();
            writer.WriteString("subject", subject.Subject);
            writer.WriteNumber("sessions", subject.Sessions);
            writer.WriteNumber("bytes", subject.Bytes);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await json.CompleteAsync().ConfigureAwait(false);
    }

    private static void WriteTime(System.Text.Json.Utf8JsonWriter writer, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            writer.WriteString(name, value);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static void WriteTables(IAnsiConsole console, SessionStats stats, int top)
    {
        var summary = new Table().AddColumn("Sessions").AddColumn(new TableColumn("Value").RightAligned());
        summary.AddRow("count", N(stats.Count));
        summary.AddRow("total size", $"{N(stats.TotalBytes)} bytes");
        summary.AddRow("average size", $"{stats.AverageBytes.ToString("N1", CultureInfo.InvariantCulture)} bytes");
        summary.AddRow("oldest created", Time(stats.OldestCreatedAt));
        summary.AddRow("newest created", Time(stats.NewestCreatedAt));
        summary.AddRow("first to expire", Time(stats.FirstExpiresAt));
        summary.AddRow("last to expire", Time(stats.LastExpiresAt));
        summary.AddRow("distinct subjects", N(stats.DistinctSubjects));
        summary.AddRow("without subject", N(stats.WithoutSubject));
        console.Write(summary);

        var subjects = stats.TopSubjects(top);
        if (subjects.Count == 0)
        {
            return;
        }

        var table = new Table().AddColumn("Subject").AddColumn(new TableColumn("Sessions").RightAligned()).AddColumn(new TableColumn("Bytes").RightAligned());
        foreach (var subject in subjects)
        {
            // Subjects are data, not markup: Text never interprets [brackets].
            table.AddRow(new Text(subject.Subject), new Text(N(subject.Sessions)), new Text(N(subject.Bytes)));
        }

        console.Write(table);
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset? time) => time is { } value ? SessionView.Format(value) : "-";
}
