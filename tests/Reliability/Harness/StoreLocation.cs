using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.MySql;
using SessionStores.Postgres;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Reliability.Harness;

/// <summary>
/// Where the sample app processes of one test keep their sessions: the <c>--store</c> and <c>--connection</c> arguments.
/// Every process started with the same location shares the same sessions (memory excepted). The servers come from
/// tests/TestServers, resolved once per test process; a required backend fails instead of skipping.
/// </summary>
public sealed class StoreLocation : IDisposable
{
    private static readonly SemaphoreSlim SchemaGate = new(1, 1);
    private static readonly HashSet<string> SchemaReady = [];

    private StoreLocation(string backend, string store, string? connection, string? directory)
    {
        Backend = backend;
        Store = store;
        Connection = connection;
        Directory = directory;
    }

    /// <summary>The backends whose sessions several processes share.</summary>
    public static readonly string[] SharedBackends = ["file", "redis", "redis-cluster", "postgres", "mysql", "memcached"];

    /// <summary>The shared backends whose stores hold leases (<c>Exclusive</c>): all but memcached, whose store has none (an
    /// evicted lease item would let two holders in).</summary>
    public static readonly string[] LeaseBackends = [.. SharedBackends.Where(b => b != "memcached")];

    /// <summary>Every backend the app can run on here.</summary>
    public static TheoryData<string> All => new(["memory", .. SharedBackends]);

    /// <summary>The backends whose sessions several processes share.</summary>
    public static TheoryData<string> Shared => new(SharedBackends);

    /// <summary>The shared backends whose stores hold leases.</summary>
    public static TheoryData<string> Leasing => new(LeaseBackends);

    /// <summary>The backend name (as in <c>SESSIONSTORES_REQUIRED_BACKENDS</c>).</summary>
    public string Backend { get; }

    /// <summary>The app's <c>--store</c>.</summary>
    public string Store { get; }

    /// <summary>The app's <c>--connection</c>, when any.</summary>
    public string? Connection { get; }

    /// <summary>For the File store: the directory, deleted on dispose.</summary>
    public string? Directory { get; }

    /// <summary>Resolves a location for <paramref name="backend"/>: a fresh directory for <c>file</c>, the shared server otherwise.</summary>
    /// <param name="backend">memory, file, redis, redis-cluster, postgres, mysql or memcached.</param>
    /// <returns>The location.</returns>
    public static async Task<StoreLocation> ResolveAsync(string backend) => backend switch
    {
        "memory" => new StoreLocation(backend, "memory", null, null),
        "file" => NewFileLocation(),
        "redis" => new StoreLocation(backend, "redis", (await RedisTestServer.ResolveAsync()).EnsureAvailable(), null),
        "redis-cluster" => new StoreLocation(backend, "redis", (await RedisTestServer.ResolveClusterAsync()).EnsureAvailable(), null),
        "postgres" => new StoreLocation(backend, "postgres", await WithSchemaAsync(backend, PostgresTestServer.ResolveAsync()), null),
        "mysql" => new StoreLocation(backend, "mysql", await WithSchemaAsync(backend, MySqlTestServer.ResolveAsync()), null),
        "memcached" => new StoreLocation(backend, "memcached", (await MemcachedTestServer.ResolveAsync()).EnsureAvailable(), null),
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown backend."),
    };

    /// <summary>A location on a server the test controls (stall, restart): <paramref name="connection"/> for <paramref name="store"/>.</summary>
    /// <param name="backend">The backend name.</param>
    /// <param name="store">The app's <c>--store</c>.</param>
    /// <param name="connection">The connection string.</param>
    /// <returns>The location.</returns>
    public static StoreLocation On(string backend, string store, string connection) => new(backend, store, connection, null);

    /// <summary>The app arguments for this location plus <paramref name="extra"/>.</summary>
    /// <param name="extra">More arguments (<c>--session-concurrency</c>, ...).</param>
    /// <returns>The arguments.</returns>
    public IEnumerable<string> Arguments(params string[] extra)
    {
        yield return "--store";
        yield return Store;
        if (Connection is not null)
        {
            yield return "--connection";
            yield return Connection;
        }

        foreach (var argument in extra)
        {
            yield return argument;
        }
    }

    /// <summary>Starts one app process on this location.</summary>
    /// <param name="extra">More arguments.</param>
    /// <returns>The running app.</returns>
    public Task<DemoProcess> StartAppAsync(params string[] extra) =>
        DemoProcess.StartAsync(Arguments(extra), TestContext.Current.CancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        if (Directory is not null)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A process may still be closing a file; the temp directory is cleaned by the system later.
            }
        }
    }

    /// <summary>
    /// The shared server of a SQL backend (postgres, mysql), with the sample's table created once from this process, so
    /// that app processes starting in parallel never race to create it.
    /// </summary>
    /// <param name="backend">postgres or mysql.</param>
    /// <param name="server">The backend's shared server.</param>
    /// <returns>The connection string.</returns>
    private static async Task<string> WithSchemaAsync(string backend, Task<BackendResolution> server)
    {
        var connection = (await server).EnsureAvailable();
        await SchemaGate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (!SchemaReady.Contains(backend))
            {
                await EnsureSchemaAsync(backend, connection);
                SchemaReady.Add(backend);
            }
        }
        finally
        {
            SchemaGate.Release();
        }

        return connection;
    }

    /// <summary>
    /// Creates the sample's session table (the default schema and table) on <paramref name="connection"/> for a SQL
    /// backend; nothing for the others, whose stores need no schema.
    /// </summary>
    /// <param name="backend">The backend name.</param>
    /// <param name="connection">The backend's connection string (Npgsql or MySqlConnector for the SQL backends).</param>
    /// <returns>A task that completes when the table exists.</returns>
    public static async Task EnsureSchemaAsync(string backend, string connection)
    {
        var token = TestContext.Current.CancellationToken;
        switch (backend)
        {
            case "postgres":
                await using (var store = new PostgresSessionStore(new PostgresSessionStoreOptions { ConnectionString = connection, EnablePruning = false }))
                {
                    await store.EnsureSchemaAsync(token);
                }

                break;
            case "mysql":
                await using (var store = new MySqlSessionStore(new MySqlSessionStoreOptions { ConnectionString = connection, EnablePruning = false }))
                {
                    await store.EnsureSchemaAsync(token);
                }

                break;
        }
    }

    private static StoreLocation NewFileLocation()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sessionstores-reliability", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        return new StoreLocation("file", "file", directory, directory);
    }
}
