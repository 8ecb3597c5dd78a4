using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using MySqlConnector;
using SessionStores.Conformance;
using SessionStores.TestServers;

namespace SessionStores.MySql.Tests;

/// <summary>
/// Each conformance namespace is a fresh table in the database of this process's MySQL server
/// (<see cref="MySqlTestServer"/>). The stores share one data source (one connection pool) so that a test does not pay
/// for new connections.
/// </summary>
public sealed class MySqlFixture : ICorruptDataFixture, IUnreachableBackendFixture, ILeaseHolderProcessFixture, IBackendInspectionFixture
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static MySqlDataSource? _shared;

    /// <summary>The server's connection string; skips the calling test (or fails it, when the backend is required)
    /// without a server.</summary>
    /// <returns>The connection string.</returns>
    public static async Task<string> ConnectionStringAsync() => (await MySqlTestServer.ResolveAsync()).EnsureAvailable();

    /// <summary>The data source shared by the tests of this process.</summary>
    /// <returns>The data source.</returns>
    public static async Task<MySqlDataSource> DataSourceAsync()
    {
        var connectionString = await ConnectionStringAsync();
        await Gate.WaitAsync();
        try
        {
            return _shared ??= new MySqlDataSource(connectionString);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Runs one statement on the shared data source.</summary>
    /// <param name="sql">The statement.</param>
    /// <param name="cancellationToken">Cancels it.</param>
    /// <param name="parameters">Its parameters, name and value.</param>
    /// <returns>The first column of the first row, if any.</returns>
    public static async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await (await DataSourceAsync()).OpenConnectionAsync(cancellationToken);
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>A MySQL lease ends when its time passes, whatever happens to its holder's process.</summary>
    public bool LeaseEndsWithHolderProcess => false;

    /// <summary>Starts <c>SessionStores.LeaseHolderWorker mysql</c> on the namespace's table.</summary>
    /// <inheritdoc />
    public async ValueTask<Process> StartLeaseHolderAsync(ConformanceStoreOptions options, string id, TimeSpan duration, CancellationToken cancellationToken) =>
        LeaseHolderProcesses.StartDotnet(
            "SessionStores.LeaseHolderWorker.dll", "mysql", await ConnectionStringAsync(), options.Namespace, id,
            ((long)duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));

    /// <summary>A connection string to a loopback port nothing listens on, with a short connect timeout; needs no server.</summary>
    /// <returns>The connection string.</returns>
    public static string UnreachableConnectionString() =>
        $"Server=127.0.0.1;Port={LoopbackPorts.Free()};User ID=root;Database=sessionstores;Connection Timeout=3";

    /// <inheritdoc />
    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken)
    {
        var store = new MySqlSessionStore(new MySqlSessionStoreOptions
        {
            DataSource = await DataSourceAsync(),
            TableName = options.Namespace,
            MaxDataBytes = options.MaxDataBytes,
            OperationTimeout = options.OperationTimeout ?? SessionLimits.DefaultOperationTimeout,
            EnablePruning = false,
        });
        await store.EnsureSchemaAsync(cancellationToken);
        return store;
    }

    /// <inheritdoc />
    public ValueTask<ISessionStore> CreateUnreachableStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISessionStore>(new MySqlSessionStore(new MySqlSessionStoreOptions
        {
            ConnectionString = UnreachableConnectionString(),
            TableName = options.Namespace,
            MaxDataBytes = options.MaxDataBytes,
            OperationTimeout = options.OperationTimeout ?? SessionLimits.DefaultOperationTimeout,
            EnablePruning = false,
        }));

    /// <summary>A row no store writes: version 0 (versions start at 1), live for an hour.</summary>
    /// <inheritdoc />
    /// <summary>The rows of the namespace's table, expired or not.</summary>
    public async ValueTask<long> CountHeldRecordsAsync(ISessionStore store, ConformanceStoreOptions options, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        Convert.ToInt64(await ScalarAsync($"SELECT COUNT(*) FROM `{options.Namespace}`", cancellationToken), CultureInfo.InvariantCulture);

    /// <summary>The pass the store's background pruner runs every <see cref="MySqlSessionStoreOptions.PruneInterval"/>.</summary>
    public async ValueTask RunCleanupAsync(ISessionStore store, ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        await ((MySqlSessionStore)store).PruneAsync(cancellationToken);

    public async ValueTask WriteCorruptRecordAsync(ISessionStore store, ConformanceStoreOptions options, string id, CancellationToken cancellationToken) =>
        await ScalarAsync(
            $"INSERT INTO `{options.Namespace}` (id, data, version, expires_at_ms, created_at_ms, subject) " +
            "VALUES (@id, X'00', 0, (UNIX_TIMESTAMP() + 3600) * 1000, UNIX_TIMESTAMP() * 1000, NULL)",
            cancellationToken,
            ("@id", id));
}
