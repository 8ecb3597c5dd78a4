using System.Collections.Generic;
using System.Globalization;
using SessionStores.Redis;

namespace SessionStores.Admin.Backends;

/// <summary><c>--store redis</c>: <c>--prefix</c> and <c>--database</c> select the namespace. Redis expires keys itself.</summary>
internal sealed class RedisStoreFactory : IAdminStoreFactory
{
    public string Name => "redis";

    public IReadOnlyCollection<string> NamespaceOptions { get; } = ["--prefix", "--database"];

    public AdminStore Create(StoreSettings settings)
    {
        var options = new RedisSessionStoreOptions
        {
            ConnectionString = settings.RequireConnection(Name),
            OperationTimeout = StoreFactories.TimeoutOf(settings),
        };
        if (settings.Prefix is not null)
        {
            options.KeyPrefix = settings.Prefix;
        }

        if (settings.Database is not null)
        {
            options.Database = int.TryParse(settings.Database, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw new AdminUsageException("--database for the redis store is a database number (0, 1, ...).");
        }

        var store = new RedisSessionStore(options);
        return new AdminStore(store, Name, $"prefix '{store.KeyPrefix}', database {options.Database}", prune: null);
    }
}
