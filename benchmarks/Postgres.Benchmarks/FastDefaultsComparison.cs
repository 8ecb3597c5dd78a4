using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;
using SessionStores.Benchmarks;
using SessionStores.TestServers;

namespace SessionStores.Postgres.Benchmarks;

/// <summary>
/// <c>--fast-defaults</c>: read-modify-write requests per second on a durable server (<c>fsync</c>,
/// <c>synchronous_commit</c> and <c>full_page_writes</c> on, checked first: the throwaway test server turns them off, so
/// give a server started with its defaults in <c>$SESSIONSTORES_POSTGRES</c>; see docs/benchmarks.md), interleaved
/// in rounds so the drift of a busy machine hits every contender alike. A request is what each integration sends for a
/// session it reads and changes: ours <c>GetAndTouchAsync</c> then a compare-and-set <c>SetAsync</c>; connect-pg-simple
/// (express-session's PostgreSQL store) its <c>get</c> (a SELECT) then its <c>set</c> (an upsert), sent unprepared as
/// node-postgres does; and raw Npgsql sending our two statements unprepared, as the store did before it prepared them.
/// </summary>
public static class FastDefaultsComparison
{
    private const int Workers = 8;
    private const int RequestsPerWorker = 25;
    private const int Sessions = 1_000;
    private const string Schema = "fast";
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(30);

    // connect-pg-simple 10's statements (its table: sid varchar primary key, sess json, expire timestamp(6)).
    private const string PgSimpleGet = "SELECT sess FROM \"fast\".\"session\" WHERE sid = $1 AND expire >= to_timestamp($2)";
    private const string PgSimpleSet =
        "INSERT INTO \"fast\".\"session\" (sess, expire, sid) SELECT $1, to_timestamp($2), $3 " +
        "ON CONFLICT (sid) DO UPDATE SET sess=$1, expire=to_timestamp($2) RETURNING sid";

    public static async Task RunAsync(string[] args)
    {
        var rounds = BenchmarkArgs.IntArg(args, "--rounds", 20);
        var connectionString = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable(PostgresTestServer.EnvironmentVariable)!) { MaxPoolSize = 32 }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await MakeDurableAsync(dataSource);
        var payload = new byte[512];
        Random.Shared.NextBytes(payload);
        var json = "{\"cookie\":{\"originalMaxAge\":1800000,\"httpOnly\":true,\"path\":\"/\"},\"views\":" + new string('1', 400) + "}";
        var ids = Enumerable.Range(0, Sessions).Select(i => $"session-{i:D6}-{Guid.NewGuid():N}").ToArray();

        var full = await StoreAsync(dataSource, "full", PostgresDurability.Full, prepare: true, TimeSpan.Zero, ids, payload);
        var relaxed = await StoreAsync(dataSource, "relaxed", PostgresDurability.Relaxed, prepare: true, TimeSpan.Zero, ids, payload);
        var unprepared = await StoreAsync(dataSource, "unprepared", PostgresDurability.Full, prepare: false, TimeSpan.Zero, ids, payload);
        var relaxedUnprepared = await StoreAsync(dataSource, "relaxed_unprepared", PostgresDurability.Relaxed, prepare: false, TimeSpan.Zero, ids, payload);

        // A touch threshold of 1% of the TTL: GetAndTouch then skips its row write (and its commit's flush) when the
        // expiry would move by less, as connect-pg-simple's get never writes.
        var fullThreshold = await StoreAsync(dataSource, "full_threshold", PostgresDurability.Full, prepare: true, Ttl / 100, ids, payload);
        var relaxedThreshold = await StoreAsync(dataSource, "relaxed_threshold", PostgresDurability.Relaxed, prepare: true, Ttl / 100, ids, payload);
        await SetUpPgSimpleAsync(dataSource, ids, json);
        var contenders = new (string Name, Func<string, Task> Request)[]
        {
            ("ours, Full durability, prepared (new default)", id => StoreRequestAsync(full, id, payload)),
            ("ours, Relaxed durability, prepared", id => StoreRequestAsync(relaxed, id, payload)),
            ("ours, Full durability, unprepared (old default)", id => StoreRequestAsync(unprepared, id, payload)),
            ("ours, Relaxed durability, unprepared", id => StoreRequestAsync(relaxedUnprepared, id, payload)),
            ("ours, Full durability, prepared, TouchWriteThreshold 1% of TTL", id => StoreRequestAsync(fullThreshold, id, payload)),
            ("ours, Relaxed durability, prepared, TouchWriteThreshold 1% of TTL", id => StoreRequestAsync(relaxedThreshold, id, payload)),
            ("connect-pg-simple statements (get + set, unprepared)", id => PgSimpleRequestAsync(dataSource, id, json)),
        };

        foreach (var (_, request) in contenders)
        {
            await SliceWorkers.RunAsync(ids, Workers, RequestsPerWorker, (_, id) => request(id));
        }

        var seconds = new double[contenders.Length];
        for (var round = 0; round < rounds; round++)
        {
            // Rotate the order each round: no contender always runs first.
            for (var k = 0; k < contenders.Length; k++)
            {
                var c = (k + round) % contenders.Length;
                var started = Stopwatch.GetTimestamp();
                await SliceWorkers.RunAsync(ids, Workers, RequestsPerWorker, (_, id) => contenders[c].Request(id));
                seconds[c] += Stopwatch.GetElapsedTime(started).TotalSeconds;
            }
        }

        var requests = (double)rounds * Workers * RequestsPerWorker;
        var baseline = requests / seconds[^1];
        Console.WriteLine($"Read-modify-write requests on a durable server (fsync, synchronous_commit, full_page_writes on): {rounds} rotating rounds, {Workers} workers x {RequestsPerWorker} requests, 512-byte sessions, data directory {await ScalarAsync(dataSource, "SHOW data_directory")}");
        Console.WriteLine("| contender | requests/s | vs connect-pg-simple's statements |");
        Console.WriteLine("|---|---:|---:|");
        for (var c = 0; c < contenders.Length; c++)
        {
            var rate = requests / seconds[c];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {contenders[c].Name} | {rate:F0} | {rate / baseline:F2}× |"));
        }

        foreach (var store in new[] { full, relaxed, unprepared, relaxedUnprepared, fullThreshold, relaxedThreshold })
        {
            await store.DisposeAsync();
        }
    }

    private static async Task StoreRequestAsync(PostgresSessionStore store, string id, byte[] payload)
    {
        var record = await store.GetAndTouchAsync(id, Ttl) ?? throw new InvalidOperationException("The session vanished.");
        if (!(await store.SetAsync(id, new SessionWrite(payload, Ttl, expectedVersion: record.Version))).Succeeded)
        {
            throw new InvalidOperationException("A compare-and-set on a session no other worker touches failed.");
        }
    }

    private static async Task PgSimpleRequestAsync(NpgsqlDataSource dataSource, string id, string json)
    {
        var expire = DateTimeOffset.UtcNow.Add(Ttl).ToUnixTimeMilliseconds() / 1000.0;
        await using (var get = dataSource.CreateCommand(PgSimpleGet))
        {
            get.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = id });
            get.Parameters.Add(new NpgsqlParameter<double> { NpgsqlDbType = NpgsqlDbType.Double, TypedValue = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 });
            _ = await get.ExecuteScalarAsync() ?? throw new InvalidOperationException("The session vanished.");
        }

        await PgSimpleSetAsync(dataSource, id, json, expire);
    }

    // connect-pg-simple's set: the upsert, with the expiry as seconds since the epoch (to_timestamp).
    private static async Task PgSimpleSetAsync(NpgsqlDataSource dataSource, string id, string json, double expire)
    {
        await using var set = dataSource.CreateCommand(PgSimpleSet);
        set.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Json, TypedValue = json });
        set.Parameters.Add(new NpgsqlParameter<double> { NpgsqlDbType = NpgsqlDbType.Double, TypedValue = expire });
        set.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = id });
        await set.ExecuteScalarAsync();
    }

    private static async Task<PostgresSessionStore> StoreAsync(
        NpgsqlDataSource dataSource, string table, PostgresDurability durability, bool prepare, TimeSpan touchThreshold, string[] ids, byte[] payload)
    {
        var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = dataSource,
            SchemaName = Schema,
            TableName = table,
            EnablePruning = false,
            Durability = durability,
            PrepareStatements = prepare,
            TouchWriteThreshold = touchThreshold,
        });
        await store.EnsureSchemaAsync();
        foreach (var id in ids)
        {
            await store.SetAsync(id, new SessionWrite(payload, Ttl));
        }

        return store;
    }

    private static async Task SetUpPgSimpleAsync(NpgsqlDataSource dataSource, string[] ids, string json)
    {
        // connect-pg-simple's table.sql.
        await ExecuteAsync(dataSource, """
            CREATE SCHEMA IF NOT EXISTS "fast";
            CREATE TABLE IF NOT EXISTS "fast"."session" ("sid" varchar NOT NULL COLLATE "default", "sess" json NOT NULL, "expire" timestamp(6) NOT NULL)
              WITH (OIDS=FALSE);
            ALTER TABLE "fast"."session" DROP CONSTRAINT IF EXISTS "session_pkey";
            ALTER TABLE "fast"."session" ADD CONSTRAINT "session_pkey" PRIMARY KEY ("sid") NOT DEFERRABLE INITIALLY IMMEDIATE;
            CREATE INDEX IF NOT EXISTS "IDX_session_expire" ON "fast"."session" ("expire");
            """);
        foreach (var id in ids)
        {
            await PgSimpleSetAsync(dataSource, id, json, DateTimeOffset.UtcNow.Add(Ttl).ToUnixTimeMilliseconds() / 1000.0);
        }
    }

    /// <summary>The throwaway server runs without fsync; a durability comparison needs it on, as in production.</summary>
    private static async Task MakeDurableAsync(NpgsqlDataSource dataSource)
    {
        await ExecuteAsync(dataSource, "ALTER SYSTEM SET fsync = on");
        await ExecuteAsync(dataSource, "ALTER SYSTEM SET synchronous_commit = on");
        await ExecuteAsync(dataSource, "ALTER SYSTEM SET full_page_writes = on");
        await ExecuteAsync(dataSource, "SELECT pg_reload_conf()");
        await Task.Delay(500);
        foreach (var setting in new[] { "fsync", "synchronous_commit", "full_page_writes" })
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var show = new NpgsqlCommand($"SHOW {setting}", connection);
            if ((string?)await show.ExecuteScalarAsync() != "on")
            {
                // The throwaway server sets fsync=off on its command line, which ALTER SYSTEM cannot override.
                throw new InvalidOperationException(
                    $"{setting} is not on: run this against a server started with its defaults (fsync on), given in ${PostgresTestServer.EnvironmentVariable}.");
            }
        }
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }
}
