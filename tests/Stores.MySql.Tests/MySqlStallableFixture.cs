using SessionStores.Conformance;
using SessionStores.TestServers;

namespace SessionStores.MySql.Tests;

/// <summary>
/// A MariaDB server of its own that the stalled-backend suite stops and continues. Each store builds its own data source
/// from the connection string, so the store's own MySqlConnector timeouts are the ones tested.
/// </summary>
public sealed class MySqlStallableFixture() : StallableServerFixture(() => StallableServers.StartMariaDbAsync())
{
    /// <inheritdoc />
    protected override ISessionStore CreateStore(string connectionString, ConformanceStoreOptions options) =>
        new MySqlSessionStore(new MySqlSessionStoreOptions
        {
            ConnectionString = connectionString,
            TableName = options.Namespace,
            MaxDataBytes = options.MaxDataBytes,
            OperationTimeout = options.OperationTimeout ?? SessionLimits.DefaultOperationTimeout,
            EnablePruning = false,
        });
}
