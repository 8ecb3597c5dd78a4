using System;
using System.Collections.Generic;
using System.Linq;

namespace SessionStores.Admin;

/// <summary>Where a store is and which namespace of it the tool works on, as given on the command line.</summary>
internal sealed record StoreSettings(
    string? Connection, string? Directory, string? Prefix, string? Database, string? Schema, string? Table, string? Collection, TimeSpan? Timeout)
{
    /// <summary>The namespace options that were given, by their option name.</summary>
    public IEnumerable<string> GivenNamespaceOptions() =>
        new (string Name, string? Value)[]
        {
            ("--directory", Directory), ("--prefix", Prefix), ("--database", Database),
            ("--schema", Schema), ("--table", Table), ("--collection", Collection),
        }.Where(o => o.Value is not null).Select(o => o.Name);

    /// <summary>The connection string, or a usage error naming the option and the variable.</summary>
    public string RequireConnection(string store) =>
        string.IsNullOrWhiteSpace(Connection)
            ? throw new AdminUsageException($"The {store} store needs --connection (or the {Program.ConnectionVariable} environment variable).")
            : Connection;
}
