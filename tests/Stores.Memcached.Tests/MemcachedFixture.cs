using System;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using SessionStores.TestServers;

namespace SessionStores.Memcached.Tests;

/// <summary>
/// Stores on the memcached server of this test process (<see cref="MemcachedTestServer"/>), each under a fresh
/// <see cref="MemcachedSessionStoreOptions.KeyPrefix"/>. Memcached cannot list, and its expiry has whole-second
/// resolution: <see cref="Capabilities"/> declares exactly that (and that memcached drops expired items itself).
/// </summary>
public class MemcachedFixture : ICorruptDataFixture, IUnreachableBackendFixture, IBackendInspectionFixture
{
    /// <inheritdoc />
    public ConformanceCapabilities Capabilities => ConformanceCapabilities.Subjects | ConformanceCapabilities.CompareAndSet | ConformanceCapabilities.RemovesExpiredRecords;

    /// <summary>The server list; skips the calling test (or fails it, when memcached is required) without servers.</summary>
    /// <returns>The server list.</returns>
    public virtual async Task<string> ConnectionStringAsync() => (await MemcachedTestServer.ResolveAsync()).EnsureAvailable();

    /// <summary>The options of a store in <paramref name="options"/>'s namespace.</summary>
    /// <param name="connectionString">The servers.</param>
    /// <param name="options">What the test asks for.</param>
    /// <returns>The store's options.</returns>
    public static MemcachedSessionStoreOptions Options(string connectionString, ConformanceStoreOptions options) => new()
    {
        ConnectionString = connectionString,
        KeyPrefix = options.Namespace,
        MaxDataBytes = options.MaxDataBytes,
        MaxItemBytes = MemcachedTestServer.MaxItemBytes,
        OperationTimeout = options.OperationTimeout ?? SessionLimits.DefaultOperationTimeout,
    };

    /// <summary>A server list of one loopback port nothing listens on; needs no server.</summary>
    /// <returns>The server list.</returns>
    public static string UnreachableConnectionString() => $"127.0.0.1:{LoopbackPorts.Free()}";

    /// <inheritdoc />
    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        new MemcachedSessionStore(Options(await ConnectionStringAsync(), options));

    /// <inheritdoc />
    public ValueTask<ISessionStore> CreateUnreachableStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISessionStore>(new MemcachedSessionStore(Options(UnreachableConnectionString(), options)));

    /// <inheritdoc />
    public async ValueTask WriteCorruptRecordAsync(ISessionStore store, ConformanceStoreOptions options, string id, CancellationToken cancellationToken)
    {
        // A live item without the store's format marker, as another client of the same servers could write.
        var reply = await RawAsync((MemcachedSessionStore)store, id, key => $"ms {key} 7 T300\r\ngarbage\r\n", cancellationToken);
        if (reply != "HD")
        {
            throw new InvalidOperationException($"Writing the corrupt item failed: {reply}");
        }
    }

    /// <summary>The ids the test wrote that memcached still holds (a meta get without flags: <c>HD</c> for a hit,
    /// <c>EN</c> for a miss); memcached cannot list keys.</summary>
    public async ValueTask<long> CountHeldRecordsAsync(ISessionStore store, ConformanceStoreOptions options, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        long held = 0;
        foreach (var id in ids)
        {
            var reply = await RawAsync((MemcachedSessionStore)store, id, key => $"mg {key}\r\n", cancellationToken);
            held += reply switch
            {
                "HD" => 1,
                "EN" => 0,
                _ => throw new InvalidOperationException($"Looking up an item failed: {reply}"),
            };
        }

        return held;
    }

    /// <summary>Nothing: memcached drops an expired item itself (the store gives each item the session's TTL).</summary>
    public ValueTask RunCleanupAsync(ISessionStore store, ConformanceStoreOptions options, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    // One meta command behind the store's back, on the server the store's ring gives the id's key; the reply's status.
    private static async Task<string> RawAsync(MemcachedSessionStore store, string id, Func<string, string> command, CancellationToken cancellationToken)
    {
        var key = store.KeyOf(id);
        var server = store.Client.ServerFor(key).Name.Split(':');
        using var client = new TcpClient();
        await client.ConnectAsync(server[0], int.Parse(server[1], System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(command(key)), cancellationToken);
        var reply = new byte[4];
        await stream.ReadExactlyAsync(reply, cancellationToken);
        return System.Text.Encoding.ASCII.GetString(reply).TrimEnd();
    }
}

/// <summary>The same stores on the three-server set: sessions spread over the servers by the store's ring.</summary>
public sealed class MemcachedSetFixture : MemcachedFixture
{
    /// <inheritdoc />
    public override async Task<string> ConnectionStringAsync() => (await MemcachedTestServer.ResolveSetAsync()).EnsureAvailable();
}
