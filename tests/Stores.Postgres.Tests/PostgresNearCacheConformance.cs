using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.Conformance;

namespace SessionStores.Postgres.Tests;

// The shared suite with the near cache on: every rule of the contract holds through the cache (the LISTEN connection is
// in place before each test starts).
public sealed class PostgresNearCacheConformance(PostgresNearCacheFixture fixture) : SessionStoreConformanceTests<PostgresNearCacheFixture>(fixture);

// The near cache's own behaviour over the PostgreSQL feed.
public sealed class PostgresFeedConformance(PostgresFeedFixture fixture) : NearCacheConformanceTests<PostgresFeedFixture>(fixture);

/// <summary>PostgreSQL stores behind a near cache; the backend is inspected (and pruned) under the cache.</summary>
public sealed class PostgresNearCacheFixture : IBackendInspectionFixture
{
    private readonly PostgresFixture _postgres = new();

    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        await NearCachedStores.WrapAsync(await _postgres.CreateStoreAsync(options, cancellationToken), cancellationToken);

    public ValueTask<long> CountHeldRecordsAsync(ISessionStore store, ConformanceStoreOptions options, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        _postgres.CountHeldRecordsAsync(((NearCachedSessionStore)store).Inner, options, ids, cancellationToken);

    public ValueTask RunCleanupAsync(ISessionStore store, ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        _postgres.RunCleanupAsync(((NearCachedSessionStore)store).Inner, options, cancellationToken);
}

/// <summary>Plain PostgreSQL stores, silent ones, and stores whose LISTEN connection a test can terminate.</summary>
public sealed class PostgresFeedFixture : INearCacheFixture
{
    private readonly PostgresFixture _postgres = new();

    public ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        _postgres.CreateStoreAsync(options, cancellationToken);

    public async ValueTask<ISessionStore> CreateSilentStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        await CreateAsync(options, await PostgresFixture.DataSourceAsync(), publish: false, cancellationToken);

    public async ValueTask<Process> StartIncrementerAsync(ConformanceStoreOptions options, string id, int count, CancellationToken cancellationToken) =>
        LeaseHolderProcesses.StartDotnet(
            "SessionStores.NearCacheWorker.dll", "postgres", await PostgresFixture.ConnectionStringAsync(), PostgresFixture.Schema, options.Namespace, id,
            count.ToString(CultureInfo.InvariantCulture));

    /// <summary>A store with a data source of its own, named so that <c>pg_terminate_backend</c> finds its LISTEN
    /// connection (idle after <c>LISTEN</c> or a probe) and nothing else.</summary>
    public async ValueTask<(ISessionStore Store, Func<CancellationToken, Task> KillFeed)> CreateKillableStoreAsync(
        ConformanceStoreOptions options, CancellationToken cancellationToken)
    {
        var name = "nearcache-" + Guid.NewGuid().ToString("N")[..12];
        var builder = new NpgsqlConnectionStringBuilder(await PostgresFixture.ConnectionStringAsync()) { ApplicationName = name };
        var store = await CreateAsync(options, NpgsqlDataSource.Create(builder.ConnectionString), publish: true, cancellationToken);
        return (store, async ct =>
        {
            var admin = await PostgresFixture.DataSourceAsync();
            await using var command = admin.CreateCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity " +
                "WHERE application_name = $1 AND state = 'idle' AND (query LIKE 'LISTEN %' OR query = 'SELECT 1')");
            command.Parameters.Add(new NpgsqlParameter { Value = name });
            if ((long)(await command.ExecuteScalarAsync(ct))! == 0)
            {
                throw new InvalidOperationException($"No LISTEN connection of {name} was found to terminate.");
            }
        });
    }

    private static async Task<ISessionStore> CreateAsync(ConformanceStoreOptions options, NpgsqlDataSource dataSource, bool publish, CancellationToken cancellationToken)
    {
        var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = dataSource,
            SchemaName = PostgresFixture.Schema,
            TableName = options.Namespace,
            PublishInvalidations = publish,
        });
        await store.EnsureSchemaAsync(cancellationToken);
        return store;
    }
}
