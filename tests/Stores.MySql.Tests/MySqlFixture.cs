using System;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using SessionStores.TestServers;

namespace SessionStores.MySql.Tests;

/// <summary>
/// The MySQL server of this test process, and stores on it: each conformance namespace is a fresh
/// <see cref="MySqlSessionStoreOptions.Namespace"/> on that server.
/// </summary>
public sealed class MySqlFixture : ICorruptDataFixture, IUnreachableBackendFixture
{
    /// <summary>The backend name in <c>SESSIONSTORES_REQUIRED_BACKENDS</c>.</summary>
    public const string Backend = "mysql";

    /// <summary>The variable that may hold a connection string to a MySQL server.</summary>
    public const string EnvironmentVariable = "SESSIONSTORES_MYSQL";

    // TODO(store): move this into tests/TestServers/MySqlTestServer.cs, which starts a throwaway server from a local
    // binary, else a Testcontainers container when Docker answers (see MongoTestServer and PostgresTestServer), and
    // list the backend in eng/test.sh when CI can run it.
    private static readonly Lazy<Task<BackendResolution>> Server = new(
        () => TestBackends.ResolveAsync(Backend, EnvironmentVariable, startLocal: null, startContainer: null));

    /// <summary>The server's connection string; skips the calling test (or fails it, when the backend is required)
    /// without a server.</summary>
    /// <returns>The connection string.</returns>
    public static async Task<string> ConnectionStringAsync() => (await Server.Value).EnsureAvailable();

    /// <summary>The options of a store in <paramref name="options"/>'s namespace.</summary>
    /// <param name="connectionString">The server.</param>
    /// <param name="options">What the test asks for.</param>
    /// <returns>The store's options.</returns>
    public static MySqlSessionStoreOptions Options(string connectionString, ConformanceStoreOptions options) => new()
    {
        ConnectionString = connectionString,
        Namespace = options.Namespace,
        MaxDataBytes = options.MaxDataBytes,
        OperationTimeout = options.OperationTimeout ?? SessionLimits.DefaultOperationTimeout,
    };

    /// <summary>A connection string to a loopback port nothing listens on, with short timeouts; needs no server.</summary>
    /// <returns>The connection string.</returns>
    public static string UnreachableConnectionString() =>
        // TODO(store): in the driver's syntax, with a connect timeout of a few seconds at most.
        $"127.0.0.1:{LoopbackPorts.Free()}";

    /// <inheritdoc />
    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken)
    {
        var store = new MySqlSessionStore(Options(await ConnectionStringAsync(), options));
        await store.EnsureSchemaAsync(cancellationToken);
        return store;
    }

    /// <inheritdoc />
    public ValueTask<ISessionStore> CreateUnreachableStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken)
    {
        var unreachable = Options(UnreachableConnectionString(), options);
        unreachable.EnablePruning = false;
        return ValueTask.FromResult<ISessionStore>(new MySqlSessionStore(unreachable));
    }

    /// <inheritdoc />
    public async ValueTask WriteCorruptRecordAsync(ConformanceStoreOptions options, string id, CancellationToken cancellationToken)
    {
        var connectionString = await ConnectionStringAsync();

        // TODO(store): with the driver, behind the store's back, write under id in options.Namespace a live record the
        // store cannot decode (version 0, truncated bytes, a value of the wrong type).
        throw new NotImplementedException($"TODO(store): a corrupt record in {options.Namespace} on {connectionString.Length > 0}, {cancellationToken.CanBeCanceled}");
    }
}
