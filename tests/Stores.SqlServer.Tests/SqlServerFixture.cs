using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.SqlClient;
using SessionStores.Conformance;
using SessionStores.SqlServer.Internal;
using SessionStores.TestServers;

namespace SessionStores.SqlServer.Tests;

/// <summary>
/// Each conformance namespace is a fresh table in the database <see cref="Database"/> of this process's SQL Server
/// (<c>$SESSIONSTORES_SQLSERVER</c>, else a container); the database is created when the connection string names none.
/// The tables are dropped when the test class ends.
/// </summary>
public sealed class SqlServerFixture : ICorruptDataFixture, IUnreachableBackendFixture, IBackendInspectionFixture, IAsyncDisposable
{
    public const string Database = "sessionstores_tests";

    /// <summary>A server that does not answer (nothing listens on port 1), with a short timeout; needs no server.</summary>
    public const string Unreachable = "Server=tcp:127.0.0.1,1;Connect Timeout=2;ConnectRetryCount=0;Encrypt=false;Pooling=false";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _connectionString;

    private readonly ConcurrentBag<string> _tables = [];

    /// <summary>The connection string of the test database; skips (or fails, when required) without a server.</summary>
    public static async Task<string> ConnectionStringAsync()
    {
        var server = await SqlServerTestServer.ConnectionStringOrSkipAsync();
        await Gate.WaitAsync();
        try
        {
            if (_connectionString is null)
            {
                var builder = new SqlConnectionStringBuilder(server);
                if (string.IsNullOrEmpty(builder.InitialCatalog) || builder.InitialCatalog.Equals("master", StringComparison.OrdinalIgnoreCase))
                {
                    await using (var connection = new SqlConnection(server))
                    {
                        await connection.OpenAsync();
                        await using var command = new SqlCommand($"IF DB_ID(N'{Database}') IS NULL CREATE DATABASE [{Database}];", connection);
                        await command.ExecuteNonQueryAsync();
                    }

                    builder.InitialCatalog = Database;
                }

                _connectionString = builder.ConnectionString;
            }

            return _connectionString;
        }
        finally
        {
            Gate.Release();
        }
    }

    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken)
    {
        var store = new SqlServerSessionStore(new SqlServerSessionStoreOptions
        {
            ConnectionString = await ConnectionStringAsync(),
            TableName = options.Namespace,
            MaxDataBytes = options.MaxDataBytes,
        });
        _tables.Add(options.Namespace);
        await store.EnsureSchemaAsync(cancellationToken);
        return store;
    }

    /// <summary>Options for a fresh table (dropped with the fixture), without pruning; skips without a server.</summary>
    public async ValueTask<Action<SqlServerSessionStoreOptions>> OptionsAsync()
    {
        var connectionString = await ConnectionStringAsync();
        var table = "reg_" + Guid.NewGuid().ToString("N");
        _tables.Add(table);
        return options =>
        {
            options.ConnectionString = connectionString;
            options.TableName = table;
            options.PruneInterval = null;
        };
    }

    /// <summary>A store to a loopback port nothing listens on (no server needed), without pruning.</summary>
    public ValueTask<ISessionStore> CreateUnreachableStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISessionStore>(new SqlServerSessionStore(new SqlServerSessionStoreOptions
        {
            ConnectionString = Unreachable,
            TableName = options.Namespace,
            MaxDataBytes = options.MaxDataBytes,
            PruneInterval = null,
        }));

    /// <summary>A row no store writes: version 0 (versions start at 1), live for an hour by the server's clock.</summary>
    /// <summary>The rows of the namespace's table, expired or not.</summary>
    public async ValueTask<long> CountHeldRecordsAsync(ISessionStore store, ConformanceStoreOptions options, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        await using var connection = new SqlConnection(await ConnectionStringAsync());
        await connection.OpenAsync(cancellationToken);
        await using var command = new SqlCommand($"SELECT COUNT_BIG(*) FROM [dbo].{SqlIdentifier.Quote(options.Namespace)};", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The pass the store's background pruner runs every <see cref="SqlServerSessionStoreOptions.PruneInterval"/>.</summary>
    public async ValueTask RunCleanupAsync(ISessionStore store, ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        await ((SqlServerSessionStore)store).PruneAsync(cancellationToken);

    public async ValueTask WriteCorruptRecordAsync(ISessionStore store, ConformanceStoreOptions options, string id, CancellationToken cancellationToken)
    {
        await using var connection = new SqlConnection(await ConnectionStringAsync());
        await connection.OpenAsync(cancellationToken);
        await using var command = new SqlCommand(
            $"INSERT INTO [dbo].{SqlIdentifier.Quote(options.Namespace)} ([Id], [Data], [Version], [ExpiresAt], [CreatedAt], [Subject]) " +
            "VALUES (@Id, 0x00, 0, DATEADD(hour, 1, SYSUTCDATETIME()), SYSUTCDATETIME(), NULL);",
            connection);
        command.Parameters.Add(new SqlParameter("@Id", System.Data.SqlDbType.VarChar, 256) { Value = id });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connectionString is null || _tables.IsEmpty)
        {
            return;
        }

        await using var connection = new SqlConnection(_connectionString);
        await connection.OpenAsync();
        foreach (var table in _tables)
        {
            await using var command = new SqlCommand($"DROP TABLE IF EXISTS [dbo].{SqlIdentifier.Quote(table)};", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
