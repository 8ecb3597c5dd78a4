using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.Conformance;
using SessionStores.Postgres;
using SessionStores.TestServers;

namespace SessionStores.Postgres.Tests;

/// <summary>
/// Each conformance namespace is a fresh table in the schema <see cref="Schema"/> of this process's PostgreSQL server.
/// The stores share one data source (one connection pool) so that a test does not pay for new connections.
/// </summary>
public sealed class PostgresFixture : ICorruptDataFixture, IUnreachableBackendFixture, ILeaseHolderProcessFixture, IBackendInspectionFixture
{
    public const string Schema = "sessionstores_conformance";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static NpgsqlDataSource? _shared;

    /// <summary>The server's connection string; skips (or fails, when required) without a server.</summary>
    public static async Task<string> ConnectionStringAsync() => (await PostgresTestServer.ResolveAsync()).EnsureAvailable();

    /// <summary>The data source shared by the tests of this process.</summary>
    public static async Task<NpgsqlDataSource> DataSourceAsync()
    {
        var connectionString = await ConnectionStringAsync();
        await Gate.WaitAsync();
        try
        {
            return _shared ??= NpgsqlDataSource.Create(connectionString);
        }
        finally
        {
            Gate.Release();
        }
    }

    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken)
    {
        var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = await DataSourceAsync(),
            SchemaName = Schema,
            TableName = options.Namespace,
            MaxDataBytes = options.MaxDataBytes,

            // Exact expiry, as the contract states it; the threshold has its own tests.
            TouchWriteThreshold = System.TimeSpan.Zero,
        });
        await store.EnsureSchemaAsync(cancellationToken);
        return store;
    }

    /// <summary>A PostgreSQL lease ends when its time passes, whatever happens to its holder's process.</summary>
    public bool LeaseEndsWithHolderProcess => false;

    /// <summary>Starts <c>SessionStores.LeaseHolderWorker postgres</c> on the namespace's table.</summary>
    public async ValueTask<Process> StartLeaseHolderAsync(ConformanceStoreOptions options, string id, System.TimeSpan duration, CancellationToken cancellationToken) =>
        LeaseHolderProcesses.StartDotnet(
            "SessionStores.LeaseHolderWorker.dll", "postgres", await ConnectionStringAsync(), Schema, options.Namespace, id,
            ((long)duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));

    /// <summary>A connection string to a loopback port nothing listens on; needs no server.</summary>
    public static string UnreachableConnectionString() => $"Host=127.0.0.1;Port={LoopbackPorts.Free()};Username=postgres;Timeout=3";

    /// <summary>A store with its own data source, to a loopback port nothing listens on.</summary>
    public ValueTask<ISessionStore> CreateUnreachableStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISessionStore>(new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            ConnectionString = UnreachableConnectionString(),
            SchemaName = Schema,
            TableName = options.Namespace,
            MaxDataBytes = options.MaxDataBytes,
            EnablePruning = false,
        }));

    /// <summary>A row no store writes: version 0 (versions start at 1), live for an hour.</summary>
    /// <summary>The rows of the namespace's table, expired or not.</summary>
    public async ValueTask<long> CountHeldRecordsAsync(ISessionStore store, ConformanceStoreOptions options, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        await using var command = (await DataSourceAsync()).CreateCommand($"SELECT count(*) FROM \"{Schema}\".\"{options.Namespace}\"");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The pass the store's background pruner runs every <see cref="PostgresSessionStoreOptions.PruneInterval"/>.</summary>
    public async ValueTask RunCleanupAsync(ISessionStore store, ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        await ((PostgresSessionStore)store).PruneAsync(cancellationToken);

    public async ValueTask WriteCorruptRecordAsync(ISessionStore store, ConformanceStoreOptions options, string id, CancellationToken cancellationToken)
    {
        var dataSource = await DataSourceAsync();
        await using var command = dataSource.CreateCommand(
            $"INSERT INTO \"{Schema}\".\"{options.Namespace}\" (id, data, expires_at, version, subject, created_at) " +
            "VALUES ($1, '\\x00'::bytea, now() + interval '1 hour', 0, NULL, now())");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
