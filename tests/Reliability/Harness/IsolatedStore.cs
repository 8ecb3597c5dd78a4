using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.File;
using SessionStores.Memory;
using SessionStores.Postgres;
using SessionStores.Redis;
using SessionStores.TestServers;
using StackExchange.Redis;

namespace SessionStores.Reliability.Harness;

/// <summary>
/// A store in a fresh namespace on a real backend, with decoys placed just outside it (sibling keys, files and tables whose
/// names resemble the namespace's), and a snapshot of everything outside the namespace that can be taken before and after.
/// </summary>
public abstract class IsolatedStore : IAsyncDisposable
{
    /// <summary>The largest payload the store accepts (small, so oversized payloads are cheap to generate).</summary>
    public const int MaxDataBytes = 256;

    /// <summary>The store.</summary>
    public abstract ISessionStore Store { get; }

    /// <summary>Opens a store for <paramref name="backend"/>.</summary>
    /// <param name="backend">memory, file, redis, redis-cluster or postgres.</param>
    /// <returns>The store.</returns>
    public static async Task<IsolatedStore> OpenAsync(string backend) => backend switch
    {
        "memory" => new MemoryIsolated(),
        "file" => FileIsolated.Create(),
        "redis" => await RedisIsolated.CreateAsync((await RedisTestServer.ResolveAsync()).EnsureAvailable(), database: 9),
        "redis-cluster" => await RedisIsolated.CreateAsync((await RedisTestServer.ResolveClusterAsync()).EnsureAvailable(), database: -1),
        "postgres" => await PostgresIsolated.CreateAsync((await PostgresTestServer.ResolveAsync()).EnsureAvailable()),
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown backend."),
    };

    /// <summary>What lies outside the namespace (names with a fingerprint of their content), or none for a backend with no outside.</summary>
    /// <returns>The snapshot.</returns>
    public abstract Task<IReadOnlySet<string>> OutsideAsync();

    /// <summary>The names anywhere on the backend (inside the namespace or not) that contain <paramref name="marker"/>.</summary>
    /// <param name="marker">The marker.</param>
    /// <returns>The names.</returns>
    public abstract Task<IReadOnlyList<string>> FindAsync(string marker);

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    private sealed class MemoryIsolated : IsolatedStore
    {
        private readonly MemorySessionStore _store = new(new MemorySessionStoreOptions { MaxDataBytes = MaxDataBytes });

        public override ISessionStore Store => _store;

        // An in-process dictionary has no outside; the store's own count shows whether anything was written.
        public override Task<IReadOnlySet<string>> OutsideAsync() => Task.FromResult<IReadOnlySet<string>>(new HashSet<string>());

        public override Task<IReadOnlyList<string>> FindAsync(string marker) => Task.FromResult<IReadOnlyList<string>>([]);

        public override ValueTask DisposeAsync()
        {
            _store.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class FileIsolated : IsolatedStore
    {
        private readonly string _root;
        private readonly string _namespace;
        private readonly FileSessionStore _store;

        private FileIsolated(string root)
        {
            _root = root;
            _namespace = Path.Combine(root, "store");
            _store = new FileSessionStore(new FileSessionStoreOptions { Directory = _namespace, MaxDataBytes = MaxDataBytes });
        }

        public override ISessionStore Store => _store;

        public static FileIsolated Create()
        {
            var root = Path.Combine(Path.GetTempPath(), "sessionstores-reliability", "bad-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path.Combine(root, "store-sibling"));
            System.IO.File.WriteAllText(Path.Combine(root, "store-sibling", "decoy.session"), "decoy");
            System.IO.File.WriteAllText(Path.Combine(root, "decoy.txt"), "decoy");
            return new FileIsolated(root);
        }

        // Every file and directory under the root (the namespace's parent) but outside the namespace, with size and time.
        public override Task<IReadOnlySet<string>> OutsideAsync() => Task.FromResult<IReadOnlySet<string>>(
            Directory.EnumerateFileSystemEntries(_root, "*", SearchOption.AllDirectories)
                .Where(p => p != _namespace && !p.StartsWith(_namespace + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                .Select(p => new FileInfo(p) is { Exists: true } f ? $"{p} {f.Length} {f.LastWriteTimeUtc.Ticks}" : p)
                .ToHashSet());

        // The namespace, its parent tree and the temp directory's top level.
        public override Task<IReadOnlyList<string>> FindAsync(string marker) => Task.FromResult<IReadOnlyList<string>>(
            Directory.EnumerateFileSystemEntries(_root, "*", SearchOption.AllDirectories)
                .Concat(Directory.EnumerateFileSystemEntries(Path.GetTempPath()))
                .Where(p => p.Contains(marker, StringComparison.Ordinal))
                .ToList());

        public override async ValueTask DisposeAsync()
        {
            await _store.DisposeAsync();
            Directory.Delete(_root, recursive: true);
        }
    }

    private sealed class RedisIsolated(ConnectionMultiplexer multiplexer, RedisSessionStore store, string prefix, int database) : IsolatedStore
    {
        public override ISessionStore Store => store;

        public static async Task<RedisIsolated> CreateAsync(string connection, int database)
        {
            var multiplexer = await ConnectionMultiplexer.ConnectAsync(connection);
            var prefix = $"rel-bad-{Guid.NewGuid():N}:";
            var db = multiplexer.GetDatabase(database);
            await db.StringSetAsync(prefix.TrimEnd(':'), "decoy");
            await db.StringSetAsync(prefix.TrimEnd(':') + "-sibling:x", "decoy");
            await db.StringSetAsync("{" + prefix + "}decoy", "decoy");
            var store = new RedisSessionStore(new RedisSessionStoreOptions
            {
                ConnectionMultiplexer = multiplexer,
                KeyPrefix = prefix,
                Database = database,
                MaxDataBytes = MaxDataBytes,
            });
            return new RedisIsolated(multiplexer, store, prefix, database);
        }

        // Every key of the database outside the prefix, with its value when it is a string (the decoys).
        public override async Task<IReadOnlySet<string>> OutsideAsync()
        {
            var db = multiplexer.GetDatabase(database);
            var outside = new HashSet<string>();
            foreach (var key in Keys("*").Where(k => !k.StartsWith(prefix, StringComparison.Ordinal)))
            {
                outside.Add(key.Contains(prefix.TrimEnd(':'), StringComparison.Ordinal) ? $"{key}={await db.StringGetAsync(key)}" : key);
            }

            return outside;
        }

        public override Task<IReadOnlyList<string>> FindAsync(string marker) =>
            Task.FromResult<IReadOnlyList<string>>(Keys("*" + marker + "*").ToList());

        public override async ValueTask DisposeAsync()
        {
            await store.DisposeAsync();
            var db = multiplexer.GetDatabase(database);
            foreach (var key in Keys("*" + prefix.TrimEnd(':') + "*"))
            {
                await db.KeyDeleteAsync(key);
            }

            await multiplexer.DisposeAsync();
        }

        private IEnumerable<string> Keys(string pattern) =>
            multiplexer.GetServers().Where(s => !s.IsReplica).SelectMany(s => s.Keys(database: Math.Max(database, 0), pattern: pattern, pageSize: 1000)).Select(k => k.ToString());
    }

    private sealed class PostgresIsolated(NpgsqlDataSource dataSource, PostgresSessionStore store, string schema) : IsolatedStore
    {
        public override ISessionStore Store => store;

        public static async Task<PostgresIsolated> CreateAsync(string connection)
        {
            var dataSource = NpgsqlDataSource.Create(connection);
            var schema = "rel_bad_" + Guid.NewGuid().ToString("N");
            var store = new PostgresSessionStore(new PostgresSessionStoreOptions
            {
                DataSource = dataSource,
                SchemaName = schema,
                TableName = "sessions",
                EnablePruning = false,
                MaxDataBytes = MaxDataBytes,
            });
            await store.EnsureSchemaAsync();
            await using var command = dataSource.CreateCommand(
                $"CREATE TABLE \"{schema}\".sessions_decoy (id text); INSERT INTO \"{schema}\".sessions_decoy VALUES ('decoy');");
            await command.ExecuteNonQueryAsync();
            return new PostgresIsolated(dataSource, store, schema);
        }

        // Every table of the database but the store's, with its row count.
        public override async Task<IReadOnlySet<string>> OutsideAsync()
        {
            var outside = new HashSet<string>();
            foreach (var (tableSchema, table) in await TablesAsync())
            {
                if (tableSchema == schema && table == "sessions")
                {
                    continue;
                }

                await using var count = dataSource.CreateCommand($"SELECT count(*) FROM \"{tableSchema}\".\"{table}\"");
                outside.Add($"{tableSchema}.{table} {await count.ExecuteScalarAsync()}");
            }

            return outside;
        }

        // Table names, and rows of the store's table and of the decoy, that contain the marker.
        public override async Task<IReadOnlyList<string>> FindAsync(string marker)
        {
            var found = (await TablesAsync()).Select(t => $"{t.Schema}.{t.Table}").Where(n => n.Contains(marker, StringComparison.OrdinalIgnoreCase)).ToList();
            await using var rows = dataSource.CreateCommand(
                $"SELECT t::text FROM \"{schema}\".sessions t WHERE t::text LIKE '%' || $1 || '%' UNION ALL SELECT d::text FROM \"{schema}\".sessions_decoy d WHERE d::text LIKE '%' || $1 || '%'");
            rows.Parameters.AddWithValue(marker);
            await using var reader = await rows.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                found.Add(reader.GetString(0));
            }

            return found;
        }

        public override async ValueTask DisposeAsync()
        {
            await store.DisposeAsync();
            await using (var drop = dataSource.CreateCommand($"DROP SCHEMA \"{schema}\" CASCADE"))
            {
                await drop.ExecuteNonQueryAsync();
            }

            await dataSource.DisposeAsync();
        }

        private async Task<List<(string Schema, string Table)>> TablesAsync()
        {
            await using var command = dataSource.CreateCommand(
                "SELECT schemaname, tablename FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')");
            await using var reader = await command.ExecuteReaderAsync();
            var tables = new List<(string, string)>();
            while (await reader.ReadAsync())
            {
                tables.Add((reader.GetString(0), reader.GetString(1)));
            }

            return tables;
        }
    }
}
