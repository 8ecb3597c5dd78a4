using System;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Npgsql;
using NpgsqlTypes;
using SessionStores.Benchmarks;
using SessionStores.TestServers;

namespace SessionStores.Postgres.Benchmarks;

/// <summary>
/// Store operations against raw Npgsql running the same statements, on the same data source, at the same
/// concurrency: <see cref="Workers"/> tasks each running <see cref="OpsPerWorker"/> operations one after another.
/// </summary>
[MemoryDiagnoser]
public class StoreVsRawBenchmarks
{
    public const int Workers = 8;
    public const int OpsPerWorker = 25;
    private const int Ops = Workers * OpsPerWorker;
    private const int Sessions = 1_000;
    private const string Table = "\"bench\".\"sessions\"";

    // The statements the store sends (kept in step with src/Stores.Postgres/Internal/PostgresSql.cs by hand).
    private const string NowMs = "date_trunc('milliseconds', now())";
    private const string GetSql = $"SELECT data, version, expires_at, created_at, subject FROM {Table} WHERE id = $1 AND expires_at > now()";
    private const string GetAndTouchSql =
        $"UPDATE {Table} SET expires_at = CASE WHEN version > 0 THEN ({NowMs} + $2 * interval '1 millisecond') ELSE expires_at END " +
        "WHERE id = $1 AND expires_at > now() RETURNING data, version, expires_at, created_at, subject";
    private const string SetSql =
        $"INSERT INTO {Table} AS s (id, data, expires_at, version, subject, created_at) " +
        $"VALUES ($1, $2, ({NowMs} + $3 * interval '1 millisecond'), 1, $4, {NowMs}) " +
        "ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at, subject = excluded.subject, " +
        "version = CASE WHEN s.expires_at > now() AND s.version > 0 THEN s.version + 1 ELSE 1 END, " +
        "created_at = CASE WHEN s.expires_at > now() AND s.version > 0 THEN s.created_at ELSE excluded.created_at END " +
        "RETURNING version";

    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(30);
    private readonly byte[] _payload = new byte[512];
    private string[] _ids = [];
    private NpgsqlDataSource _dataSource = null!;
    private PostgresSessionStore _store = null!;

    /// <summary>Whether Npgsql prepares statements automatically (<c>Max Auto Prepare</c>) or sends them unprepared.</summary>
    [Params(false, true)]
    public bool AutoPrepare { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable(PostgresTestServer.EnvironmentVariable)!;
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = AutoPrepare ? 20 : 0, MaxPoolSize = 32 };
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        _store = new PostgresSessionStore(new PostgresSessionStoreOptions { DataSource = _dataSource, SchemaName = "bench", TableName = "sessions", EnablePruning = false });
        await _store.EnsureSchemaAsync();
        Random.Shared.NextBytes(_payload);
        _ids = new string[Sessions];
        for (var i = 0; i < Sessions; i++)
        {
            _ids[i] = $"session-{i:D6}-{Guid.NewGuid():N}";
            await _store.SetAsync(_ids[i], new SessionWrite(_payload, Ttl, subject: "user" + (i % 100)));
        }

        await using var vacuum = _dataSource.CreateCommand($"VACUUM ANALYZE {Table}");
        await vacuum.ExecuteNonQueryAsync();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _store.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Store_Get() => RunAsync(async id => await _store.GetAsync(id));

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Raw_Get() => RunAsync(async id =>
    {
        await using var command = _dataSource.CreateCommand(GetSql);
        command.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = id });
        await ReadRecordAsync(command);
    });

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Store_GetAndTouch() => RunAsync(async id => await _store.GetAndTouchAsync(id, Ttl));

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Raw_GetAndTouch() => RunAsync(async id =>
    {
        await using var command = _dataSource.CreateCommand(GetAndTouchSql);
        command.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlDbType.Bigint, TypedValue = (long)Ttl.TotalMilliseconds });
        await ReadRecordAsync(command);
    });

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Store_Set() => RunAsync(async id => await _store.SetAsync(id, new SessionWrite(_payload, Ttl, "user1")));

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Raw_Set() => RunAsync(async id =>
    {
        await using var command = _dataSource.CreateCommand(SetSql);
        command.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { NpgsqlDbType = NpgsqlDbType.Bytea, TypedValue = _payload });
        command.Parameters.Add(new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlDbType.Bigint, TypedValue = (long)Ttl.TotalMilliseconds });
        command.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = "user1" });
        await command.ExecuteScalarAsync();
    });

    private static async Task ReadRecordAsync(NpgsqlCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        if (await reader.ReadAsync())
        {
            _ = new SessionRecord(
                "id", reader.GetFieldValue<byte[]>(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetString(4));
        }
    }

    // Each worker walks its own slice of the ids, so workers never contend on a row.
    private Task RunAsync(Func<string, Task> operation) => SliceWorkers.RunAsync(_ids, Workers, OpsPerWorker, (_, id) => operation(id));
}
