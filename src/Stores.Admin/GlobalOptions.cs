using System;
using System.CommandLine;

namespace SessionStores.Admin;

/// <summary>
/// The options every command takes: which store, where it is, its namespace, and how to print. They are recursive, so
/// they may stand before or after the command name.
/// </summary>
internal sealed class GlobalOptions
{
    public Option<string> Store { get; } = new("--store", "-s")
    {
        Description = "The backend: file, redis, postgres, mongo or sqlserver.",
        Required = true,
        Recursive = true,
    };

    public Option<string?> Connection { get; } = new("--connection", "-c")
    {
        Description = $"The backend's connection string (default: ${Program.ConnectionVariable}); for file, the directory.",
        Recursive = true,
    };

    public Option<string?> Directory { get; } = new("--directory")
    {
        Description = "file: the store's root directory (instead of --connection).",
        Recursive = true,
    };

    public Option<string?> Prefix { get; } = new("--prefix")
    {
        Description = "redis: the key prefix (default: session:).",
        Recursive = true,
    };

    public Option<string?> Database { get; } = new("--database")
    {
        Description = "redis: the database number (default 0); mongo: the database name (default: sessions).",
        Recursive = true,
    };

    public Option<string?> Schema { get; } = new("--schema")
    {
        Description = "postgres: the schema (default: public); sqlserver: the schema (default: dbo).",
        Recursive = true,
    };

    public Option<string?> Table { get; } = new("--table")
    {
        Description = "postgres: the table (default: sessions); sqlserver: the table (default: Sessions).",
        Recursive = true,
    };

    public Option<string?> Collection { get; } = new("--collection")
    {
        Description = "mongo: the collection (default: sessions).",
        Recursive = true,
    };

    public Option<double?> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds one store operation may take (default 5; a destroy or prune of many sessions may need more).",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print one JSON document on stdout instead of tables, for scripts.",
        Recursive = true,
    };

    public Option<bool> Yes { get; } = new("--yes", "-y")
    {
        Description = "Do not ask before destroying sessions (required when no terminal can answer).",
        Recursive = true,
    };

    public GlobalOptions()
    {
        Store.AcceptOnlyFromAmong(StoreFactories.Names);
        Timeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is { } seconds && (seconds <= 0 || double.IsNaN(seconds) || seconds > SessionLimits.MaxOperationTimeout.TotalSeconds))
            {
                result.AddError($"--timeout must be more than 0 and at most {SessionLimits.MaxOperationTimeout.TotalSeconds} seconds.");
            }
        });
    }

    public void AddTo(RootCommand root)
    {
        foreach (var option in new Option[] { Store, Connection, Directory, Prefix, Database, Schema, Table, Collection, Timeout, Json, Yes })
        {
            root.Options.Add(option);
        }
    }

    /// <summary>The store settings of this command line, the connection falling back to the environment.</summary>
    public StoreSettings Settings(ParseResult parseResult, Func<string, string?> environment)
    {
        var seconds = parseResult.GetValue(Timeout);
        return new StoreSettings(
            parseResult.GetValue(Connection) ?? environment(Program.ConnectionVariable),
            parseResult.GetValue(Directory),
            parseResult.GetValue(Prefix),
            parseResult.GetValue(Database),
            parseResult.GetValue(Schema),
            parseResult.GetValue(Table),
            parseResult.GetValue(Collection),
            seconds is { } s ? TimeSpan.FromSeconds(s) : null);
    }
}
