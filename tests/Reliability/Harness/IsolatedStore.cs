using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using SessionStores.TestServers;

namespace SessionStores.Reliability.Harness;

/// <summary>
/// A store in a fresh namespace on a real backend, with decoys placed just outside it (sibling keys, files and tables whose
/// names resemble the namespace's), and a snapshot of everything outside the namespace that can be taken before and after.
/// One file per backend variant: <c>IsolatedStore.&lt;Backend&gt;.cs</c> (the SQL ones share <c>IsolatedStore.Sql.cs</c>).
/// </summary>
public abstract partial class IsolatedStore : IAsyncDisposable
{
    /// <summary>The largest payload the store accepts (small, so oversized payloads are cheap to generate).</summary>
    public const int MaxDataBytes = 256;

    /// <summary>The store.</summary>
    public abstract ISessionStore Store { get; }

    /// <summary>Opens a store for <paramref name="backend"/>.</summary>
    /// <param name="backend">memory, file, redis, redis-cluster, postgres, mysql or memcached.</param>
    /// <returns>The store.</returns>
    public static async Task<IsolatedStore> OpenAsync(string backend) => backend switch
    {
        "memory" => new MemoryIsolated(),
        "file" => FileIsolated.Create(),
        "redis" => await RedisIsolated.CreateAsync((await RedisTestServer.ResolveAsync()).EnsureAvailable(), database: 9),
        "redis-cluster" => await RedisIsolated.CreateAsync((await RedisTestServer.ResolveClusterAsync()).EnsureAvailable(), database: -1),
        "postgres" => await PostgresIsolated.CreateAsync((await PostgresTestServer.ResolveAsync()).EnsureAvailable()),
        "mysql" => await MySqlIsolated.CreateAsync((await MySqlTestServer.ResolveAsync()).EnsureAvailable()),
        "memcached" => await MemcachedIsolated.CreateAsync((await MemcachedTestServer.ResolveAsync()).EnsureAvailable()),
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown backend."),
    };

    /// <summary>What lies outside the namespace (names with a fingerprint of their content), or none for a backend with no outside.</summary>
    /// <returns>The snapshot.</returns>
    public abstract Task<IReadOnlySet<string>> OutsideAsync();

    /// <summary>How many sessions the namespace holds: the store's own count, or what the server says for a store that
    /// cannot count (memcached).</summary>
    /// <returns>The count.</returns>
    public virtual Task<long> StoredCountAsync() => Store.CountAsync(SessionQuery.All, Load.Token);

    /// <summary>The names anywhere on the backend (inside the namespace or not) that contain <paramref name="marker"/>.</summary>
    /// <param name="marker">The marker.</param>
    /// <returns>The names.</returns>
    public abstract Task<IReadOnlyList<string>> FindAsync(string marker);

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();
}
