using System;
using System.Collections.Generic;
using System.Linq;
using SessionStores.Admin.Backends;

namespace SessionStores.Admin;

/// <summary>The backends <c>--store</c> accepts.</summary>
internal static class StoreFactories
{
    private static readonly IAdminStoreFactory[] All =
    [
        new FileStoreFactory(),
        new RedisStoreFactory(),
        new PostgresStoreFactory(),
        new MongoStoreFactory(),
        new SqlServerStoreFactory(),
    ];

    public static string[] Names { get; } = All.Select(f => f.Name).ToArray();

    /// <summary>Opens the named store, refusing namespace options that belong to another backend.</summary>
    public static AdminStore Open(string name, StoreSettings settings)
    {
        var factory = All.Single(f => f.Name == name);
        var foreign = settings.GivenNamespaceOptions().Where(o => !factory.NamespaceOptions.Contains(o)).ToList();
        if (foreign.Count > 0)
        {
            var accepted = factory.NamespaceOptions.Count == 0 ? "none" : string.Join(", ", factory.NamespaceOptions);
            throw new AdminUsageException(
                $"{string.Join(", ", foreign)} does not apply to the {name} store (its namespace options: {accepted}).");
        }

        return factory.Create(settings);
    }

    /// <summary>The operation timeout to give a store: the <c>--timeout</c>, else the stores' default.</summary>
    public static TimeSpan TimeoutOf(StoreSettings settings) => settings.Timeout ?? SessionLimits.DefaultOperationTimeout;

    /// <summary>Counters as the details of a <see cref="PruneReport"/>.</summary>
    public static IReadOnlyList<KeyValuePair<string, long>> Details(params (string Name, long Value)[] counters) =>
        counters.Select(c => KeyValuePair.Create(c.Name, c.Value)).ToList();
}
