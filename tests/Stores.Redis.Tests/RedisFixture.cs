using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using SessionStores.TestServers;
using StackExchange.Redis;

namespace SessionStores.Redis.Tests;

/// <summary>
/// Stores over this process's standalone Redis server. Each conformance namespace is a key prefix
/// (<c>{namespace}:</c>); the stores share one connection, as an application shares its multiplexer.
/// </summary>
public partial class RedisFixture : ICorruptDataFixture, IUnreachableBackendFixture, ILeaseHolderProcessFixture, IBackendInspectionFixture
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static IConnectionMultiplexer? _standalone;
    private static IConnectionMultiplexer? _cluster;

    /// <summary>Whether this fixture targets the 3-primary cluster.</summary>
    public virtual bool IsCluster => false;

    /// <summary>The server's connection string; skips (or fails, when required) without a server.</summary>
    public async Task<string> ConnectionStringAsync() =>
        (await (IsCluster ? RedisTestServer.ResolveClusterAsync() : RedisTestServer.ResolveAsync())).EnsureAvailable();

    /// <summary>The connection shared by the tests of this process.</summary>
    public async Task<IConnectionMultiplexer> ConnectionAsync()
    {
        var connectionString = await ConnectionStringAsync();
        await Gate.WaitAsync();
        try
        {
            if (IsCluster)
            {
                return _cluster ??= await ConnectionMultiplexer.ConnectAsync(connectionString);
            }

            return _standalone ??= await ConnectionMultiplexer.ConnectAsync(connectionString);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A Redis lease ends when its time passes, whatever happens to its holder's process.</summary>
    public bool LeaseEndsWithHolderProcess => false;

    /// <summary>Starts <c>SessionStores.LeaseHolderWorker redis</c> on the namespace's prefix.</summary>
    public async ValueTask<Process> StartLeaseHolderAsync(ConformanceStoreOptions options, string id, System.TimeSpan duration, CancellationToken cancellationToken) =>
        LeaseHolderProcesses.StartDotnet(
            "SessionStores.LeaseHolderWorker.dll", "redis", await ConnectionStringAsync(), PrefixOf(options), id,
            ((long)duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));

    public static string PrefixOf(ConformanceStoreOptions options) => options.Namespace + ":";

    /// <summary>A store with default options on the shared connection, in the namespace <paramref name="prefix"/>.</summary>
    public async Task<RedisSessionStore> StoreAsync(string prefix) =>
        new(new RedisSessionStoreOptions { ConnectionMultiplexer = await ConnectionAsync(), KeyPrefix = prefix });

    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        new RedisSessionStore(new RedisSessionStoreOptions
        {
            ConnectionMultiplexer = await ConnectionAsync(),
            KeyPrefix = PrefixOf(options),
            MaxDataBytes = options.MaxDataBytes,
        });

    /// <summary>A store that owns its connection, to a loopback port nothing listens on; short timeouts.</summary>
    public ValueTask<ISessionStore> CreateUnreachableStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISessionStore>(new RedisSessionStore(new RedisSessionStoreOptions
        {
            ConnectionString = $"127.0.0.1:{LoopbackPorts.Free()},connectTimeout=500,connectRetry=0,asyncTimeout=1000,syncTimeout=1000",
            KeyPrefix = PrefixOf(options),
            MaxDataBytes = options.MaxDataBytes,
        }));

    /// <summary>
    /// Alternates between the two kinds of damage a Redis store can meet: a key of another Redis type (a hash) and a
    /// string without the SessionStores header. Both live for an hour.
    /// </summary>
    public async ValueTask WriteCorruptRecordAsync(ISessionStore store, ConformanceStoreOptions options, string id, CancellationToken cancellationToken)
    {
        var db = (await ConnectionAsync()).GetDatabase();
        RedisKey key = PrefixOf(options) + "s{" + id + "}";
        if ((id[0] & 1) == 0)
        {
            await db.HashSetAsync(key, "d", "not a session");
            await db.KeyExpireAsync(key, System.TimeSpan.FromHours(1));
        }
        else
        {
            await db.StringSetAsync(key, "garbage without a header", System.TimeSpan.FromHours(1));
        }
    }
}

public partial class RedisFixture
{
    /// <summary>The session keys (<c>{prefix}s{id}</c>) of the namespace on every primary, found by SCAN as an operator
    /// would; Redis deletes an expired key when it is touched, and its active expiry cycle deletes the rest.</summary>
    public async ValueTask<long> CountHeldRecordsAsync(ISessionStore store, ConformanceStoreOptions options, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        long count = 0;
        foreach (var server in (await ConnectionAsync()).GetServers())
        {
            if (server.IsReplica)
            {
                continue;
            }

            await foreach (var unused in server.KeysAsync(pattern: PrefixOf(options) + "s{*", pageSize: 500).WithCancellation(cancellationToken))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Nothing: Redis removes expired keys itself (the store sets each key's PEXPIREAT to the session's expiry).</summary>
    public ValueTask RunCleanupAsync(ISessionStore store, ConformanceStoreOptions options, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>Stores over this process's 3-primary Redis Cluster.</summary>
public sealed class RedisClusterFixture : RedisFixture
{
    public override bool IsCluster => true;
}
