using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using SessionStores.TestServers;

namespace SessionStores.StoreName.Tests;

/// <summary>
/// The STORE_DISPLAY_NAME server of this test process, and stores on it: each conformance namespace is a fresh
/// <see cref="StoreNameSessionStoreOptions.Namespace"/> on that server.
/// </summary>
public sealed class StoreNameFixture : ICorruptDataFixture, IUnreachableBackendFixture, IBackendInspectionFixture
{
    /// <summary>The backend name in <c>SESSIONSTORES_REQUIRED_BACKENDS</c>.</summary>
    public const string Backend = "store_test_backend";

    /// <summary>The variable that may hold a connection string to a STORE_DISPLAY_NAME server.</summary>
    public const string EnvironmentVariable = "SESSIONSTORES_STORE_NAME_UPPER";

    // TODO(store): move this into tests/TestServers/StoreNameTestServer.cs, which starts a throwaway server from a local
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
    public static StoreNameSessionStoreOptions Options(string connectionString, ConformanceStoreOptions options) => new()
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
        var store = new StoreNameSessionStore(Options(await ConnectionStringAsync(), options));
        await store.EnsureSchemaAsync(cancellationToken);
        return store;
    }

    /// <inheritdoc />
    public ValueTask<ISessionStore> CreateUnreachableStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken)
    {
        var unreachable = Options(UnreachableConnectionString(), options);
        unreachable.EnablePruning = false;
        return ValueTask.FromResult<ISessionStore>(new StoreNameSessionStore(unreachable));
    }

    /// <inheritdoc />
    public async ValueTask<long> CountHeldRecordsAsync(ISessionStore store, ConformanceStoreOptions options, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var connectionString = await ConnectionStringAsync();

        // TODO(store): with the driver, count the records in options.Namespace, expired or not (no expiry filter).
        throw new NotImplementedException($"TODO(store): count the records of {options.Namespace} ({ids.Count} ids) on {connectionString.Length > 0}, {cancellationToken.CanBeCanceled}");
    }

    /// <inheritdoc />
    public async ValueTask RunCleanupAsync(ISessionStore store, ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        await ((StoreNameSessionStore)store).PruneAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask WriteCorruptRecordAsync(ISessionStore store, ConformanceStoreOptions options, string id, CancellationToken cancellationToken)
    {
        var connectionString = await ConnectionStringAsync();

        // TODO(store): with the driver, behind the store's back, write under id in options.Namespace a live record the
        // store cannot decode (version 0, truncated bytes, a value of the wrong type).
        throw new NotImplementedException($"TODO(store): a corrupt record in {options.Namespace} on {connectionString.Length > 0}, {cancellationToken.CanBeCanceled}");
    }
}
