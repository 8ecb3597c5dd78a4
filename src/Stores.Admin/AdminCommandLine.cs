using System.CommandLine;
using SessionStores.Admin.Commands;
using SessionStores.Admin.Express;

namespace SessionStores.Admin;

/// <summary>The command tree of <c>sessionstores</c>.</summary>
internal static class AdminCommandLine
{
    public static RootCommand Create(AdminContext context)
    {
        var root = new RootCommand("Inspect and manage the sessions of a SessionStores backend.");
        context.Options.AddTo(root);
        root.Subcommands.Add(ListCommand.Create(context));
        root.Subcommands.Add(CountCommand.Create(context));
        root.Subcommands.Add(ShowCommand.Create(context));
        root.Subcommands.Add(DestroyCommand.Create(context));
        root.Subcommands.Add(PruneCommand.Create(context));
        root.Subcommands.Add(StatsCommand.Create(context));
        root.Subcommands.Add(ConvertExpressCommand.Create(context));
        return root;
    }

    /// <summary>The <c>--subject</c> option of the commands that can narrow to one subject.</summary>
    public static Option<string?> SubjectOption(string description) => new("--subject") { Description = description };

    /// <summary>A positive whole number option, refused at parse time otherwise.</summary>
    public static Option<int?> PositiveOption(string name, string description)
    {
        var option = new Option<int?>(name) { Description = description };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is <= 0)
            {
                result.AddError($"{name} must be 1 or more.");
            }
        });
        return option;
    }

    /// <summary>The query for all sessions or one subject's; the subject is validated before any I/O.</summary>
    public static SessionQuery Query(string? subject, bool includeData) =>
        (subject is null ? SessionQuery.All : SessionQuery.ForSubject(subject)) with { IncludeData = includeData };
}
