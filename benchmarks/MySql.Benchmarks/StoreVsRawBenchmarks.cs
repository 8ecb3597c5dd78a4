using System;
using System.Text;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using MySqlConnector;
using SessionStores.Benchmarks;
using SessionStores.TestServers;

namespace SessionStores.MySql.Benchmarks;

/// <summary>
/// Store operations against raw MySqlConnector running the same statements, on the same data source, at the same
/// concurrency: <see cref="Workers"/> tasks each running <see cref="OpsPerWorker"/> operations one after another.
/// </summary>
[MemoryDiagnoser]
public class StoreVsRawBenchmarks
{
    public const int Workers = 8;
    public const int OpsPerWorker = 25;
    private const int Ops = Workers * OpsPerWorker;
    private const int Sessions = 1_000;

    // The statements the store sends (kept in step with src/Stores.MySql/Internal/MySqlCommands.cs by hand).
    private const string Table = "`bench_sessions`";
    private const string NowMs = "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)";
    private const string Live = "expires_at_ms > " + NowMs;
    private const string GetSql = $"SELECT data, version, expires_at_ms, created_at_ms, subject FROM {Table} WHERE id = @id AND {Live}";
    private const string GetAndTouchSql = $"UPDATE {Table} SET expires_at_ms = {NowMs} + @ttl WHERE id = @id AND {Live} AND version > 0;\n{GetSql}";
    private const string Keeps = Live + " AND version > 0";
    private const string SetSql =
        "START TRANSACTION;\n" +
        $"INSERT INTO {Table} (id, data, version, expires_at_ms, created_at_ms, subject) VALUES (@id, @data, 1, {NowMs} + @ttl, {NowMs}, @subject) " +
        $"ON DUPLICATE KEY UPDATE created_at_ms = IF({Keeps}, created_at_ms, {NowMs}), version = IF({Keeps}, version + 1, 1), " +
        $"data = @data, expires_at_ms = {NowMs} + @ttl, subject = @subject;\n" +
        $"SELECT version FROM {Table} WHERE id = @id;\nCOMMIT";

    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(30);
    private static readonly byte[] Subject = Encoding.UTF8.GetBytes("user1");
    private readonly byte[] _payload = new byte[512];
    private string[] _ids = [];
    private MySqlDataSource _dataSource = null!;
    private MySqlSessionStore _store = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable(MySqlTestServer.EnvironmentVariable)!;
        _dataSource = new MySqlDataSource(new MySqlConnectionStringBuilder(connectionString) { MaximumPoolSize = 32 }.ConnectionString);
        _store = new MySqlSessionStore(new MySqlSessionStoreOptions { DataSource = _dataSource, TableName = "bench_sessions", EnablePruning = false });
        await _store.EnsureSchemaAsync();
        Random.Shared.NextBytes(_payload);
        _ids = new string[Sessions];
        for (var i = 0; i < Sessions; i++)
        {
            _ids[i] = $"session-{i:D6}-{Guid.NewGuid():N}";
            await _store.SetAsync(_ids[i], new SessionWrite(_payload, Ttl, subject: "user" + (i % 100)));
        }
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
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = new MySqlCommand(GetSql, connection);
        command.Parameters.AddWithValue("@id", id);
        await ReadRecordAsync(command);
    });

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Store_GetAndTouch() => RunAsync(async id => await _store.GetAndTouchAsync(id, Ttl));

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Raw_GetAndTouch() => RunAsync(async id =>
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = new MySqlCommand(GetAndTouchSql, connection);
        command.Parameters.AddWithValue("@id", id);
        command.Parameters.AddWithValue("@ttl", (long)Ttl.TotalMilliseconds);
        await ReadRecordAsync(command);
    });

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Store_Set() => RunAsync(async id => await _store.SetAsync(id, new SessionWrite(_payload, Ttl, "user1")));

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Raw_Set() => RunAsync(async id =>
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = new MySqlCommand(SetSql, connection);
        command.Parameters.AddWithValue("@id", id);
        command.Parameters.Add(new MySqlParameter("@data", MySqlDbType.LongBlob) { Value = _payload });
        command.Parameters.AddWithValue("@ttl", (long)Ttl.TotalMilliseconds);
        command.Parameters.AddWithValue("@subject", Subject);
        await command.ExecuteScalarAsync();
    });

    private static async Task ReadRecordAsync(MySqlCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        if (await reader.ReadAsync())
        {
            _ = new SessionRecord(
                "id", reader.GetFieldValue<byte[]>(0), reader.GetInt64(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), reader.IsDBNull(4) ? null : Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(4)));
        }
    }

    // Each worker walks its own slice of the ids, so workers never contend on a row.
    private Task RunAsync(Func<string, Task> operation) => SliceWorkers.RunAsync(_ids, Workers, OpsPerWorker, (_, id) => operation(id));
}
