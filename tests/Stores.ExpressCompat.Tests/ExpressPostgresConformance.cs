using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.Conformance;
using SessionStores.TestServers;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>
/// The connect-pg-simple profile as a plain <see cref="ISessionStore"/>: one table per namespace (connect-pg-simple's
/// columns). Besides what every express-session format lacks (no version, subject, creation time, millisecond expiry or
/// listing: <see cref="ConformanceCapabilities.None"/>), its <c>sess</c> column is <c>json</c>, so the kit writes JSON
/// objects (<see cref="ConformanceFormatLimits.JsonObjectData"/>). Expiry follows the TTL of each write and touch, as
/// connect-pg-simple's <c>expire</c> column does for the .NET side.
/// </summary>
public sealed class ExpressPostgresStoreFixture : IUnreachableBackendFixture
{
    private const string Schema = "express_conformance";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static NpgsqlDataSource? _dataSource;

    public ConformanceCapabilities Capabilities => ConformanceCapabilities.None;

    public ConformanceFormatLimits FormatLimits => ConformanceFormatLimits.JsonObjectData;

    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        new ExpressPostgresSessionStore(new ExpressPostgresSessionStoreOptions
        {
            DataSource = await DataSourceAsync(cancellationToken),
            SchemaName = Schema,
            TableName = options.Namespace,
            CreateSchemaIfMissing = true,
            MaxDataBytes = options.MaxDataBytes,
        });

    public ValueTask<ISessionStore> CreateUnreachableStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISessionStore>(new ExpressPostgresSessionStore(new ExpressPostgresSessionStoreOptions
        {
            ConnectionString = $"Host=127.0.0.1;Port={LoopbackPorts.Free()};Username=postgres;Timeout=3",
            SchemaName = Schema,
            TableName = options.Namespace,
            MaxDataBytes = options.MaxDataBytes,
        }));

    /// <summary>One data source for the process, and the schema the namespaces' tables live in (the store creates
    /// tables, not schemas).</summary>
    private static async Task<NpgsqlDataSource> DataSourceAsync(CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (_dataSource is null)
            {
                var dataSource = NpgsqlDataSource.Create((await PostgresTestServer.ResolveAsync()).EnsureAvailable());
                await using var command = dataSource.CreateCommand($"CREATE SCHEMA IF NOT EXISTS {Schema}");
                await command.ExecuteNonQueryAsync(cancellationToken);
                _dataSource = dataSource;
            }

            return _dataSource;
        }
        finally
        {
            Gate.Release();
        }
    }
}

public sealed class ExpressPostgresConformance(ExpressPostgresStoreFixture fixture) : SessionStoreConformanceTests<ExpressPostgresStoreFixture>(fixture);

public sealed class ExpressPostgresFailureConformance(ExpressPostgresStoreFixture fixture) : FailureConformanceTests<ExpressPostgresStoreFixture>(fixture);
