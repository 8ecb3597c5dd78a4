using SessionStores.Conformance;
using SessionStores.TestServers;

namespace SessionStores.Postgres.Tests;

/// <summary>
/// A PostgreSQL server of its own (never the shared one) that the stalled-backend suite stops and continues. Each store
/// builds its own data source from the connection string, so the store's own Npgsql timeouts are the ones tested.
/// </summary>
public sealed class PostgresStallableFixture() : StallableServerFixture(() => StallableServers.StartPostgresAsync())
{
    protected override ISessionStore CreateStore(string connectionString, ConformanceStoreOptions options) =>
        new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            ConnectionString = connectionString,
            TableName = options.Namespace,
            MaxDataBytes = options.MaxDataBytes,
            OperationTimeout = options.OperationTimeout ?? SessionLimits.DefaultOperationTimeout,
            EnablePruning = false,
        });
}
