using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Postgres;

namespace SessionStores.Admin.Backends;

/// <summary><c>--store postgres</c>: <c>--schema</c> and <c>--table</c> select the namespace.</summary>
internal sealed class PostgresStoreFactory : IAdminStoreFactory
{
    public string Name => "postgres";

    public IReadOnlyCollection<string> NamespaceOptions { get; } = ["--schema", "--table"];

    public AdminStore Create(StoreSettings settings)
    {
        var options = new PostgresSessionStoreOptions
        {
            ConnectionString = settings.RequireConnection(Name),
            OperationTimeout = StoreFactories.TimeoutOf(settings),

            // An operator's tool inspects a table; it never creates one, and prunes only when asked.
            CreateSchemaIfMissing = false,
            EnablePruning = false,
        };
        options.SchemaName = settings.Schema ?? options.SchemaName;
        options.TableName = settings.Table ?? options.TableName;
        var store = new PostgresSessionStore(options);
        return new AdminStore(store, Name, $"table {options.SchemaName}.{options.TableName}", ct => PruneAsync(store, ct));
    }

    private static async Task<PruneReport> PruneAsync(PostgresSessionStore store, CancellationToken cancellationToken)
    {
        var result = await store.PruneAsync(cancellationToken).ConfigureAwait(false);
        return new PruneReport(result.Acquired, result.Deleted, StoreFactories.Details(("batches", result.Batches)));
    }
}
