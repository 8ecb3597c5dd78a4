using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.File;
using SessionStores.Memory;
using SessionStores.Postgres;
using SessionStores.Redis;
using SessionStores.TestServers;
using StackExchange.Redis;

namespace SessionStores.AspNetCore.Tests;

public sealed class MemoryStoreBackedSessionTests : StoreBackedSessionTests
{
    protected internal override Task<ISessionStore> CreateStoreAsync() => Task.FromResult<ISessionStore>(new MemorySessionStore());
}

public sealed class FileStoreBackedSessionTests : StoreBackedSessionTests
{
    protected internal override Task<ISessionStore> CreateStoreAsync() => Task.FromResult<ISessionStore>(
        new FileSessionStore(new FileSessionStoreOptions { Directory = Path.Combine(Path.GetTempPath(), "sessionstores-aspnet-tests", Guid.NewGuid().ToString("N")) }));
}

public sealed class RedisStoreBackedSessionTests : StoreBackedSessionTests
{
    protected internal override async Task<ISessionStore> CreateStoreAsync() => new RedisSessionStore(new RedisSessionStoreOptions
    {
        ConnectionMultiplexer = await Shared.RedisAsync(),
        KeyPrefix = $"aspnet-{Guid.NewGuid():N}:",
    });
}

public sealed class PostgresStoreBackedSessionTests : StoreBackedSessionTests
{
    protected internal override async Task<ISessionStore> CreateStoreAsync()
    {
        var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = await Shared.PostgresAsync(),
            SchemaName = "sessionstores_aspnet",
            TableName = "s_" + Guid.NewGuid().ToString("N"),
        });
        await store.EnsureSchemaAsync();
        return store;
    }
}

public sealed class MemorySessionConcurrencyTests : SessionConcurrencyTests
{
    protected override Task<ISessionStore> CreateStoreAsync() => new MemoryStoreBackedSessionTests().CreateStoreAsync();
}

public sealed class FileSessionConcurrencyTests : SessionConcurrencyTests
{
    protected override Task<ISessionStore> CreateStoreAsync() => new FileStoreBackedSessionTests().CreateStoreAsync();
}

public sealed class RedisSessionConcurrencyTests : SessionConcurrencyTests
{
    protected override Task<ISessionStore> CreateStoreAsync() => new RedisStoreBackedSessionTests().CreateStoreAsync();
}

public sealed class PostgresSessionConcurrencyTests : SessionConcurrencyTests
{
    protected override Task<ISessionStore> CreateStoreAsync() => new PostgresStoreBackedSessionTests().CreateStoreAsync();
}

/// <summary>One client per server per test process (the servers come from tests/TestServers, resolved once).</summary>
internal static class Shared
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static IConnectionMultiplexer? _redis;
    private static NpgsqlDataSource? _postgres;

    public static async Task<IConnectionMultiplexer> RedisAsync()
    {
        var connectionString = (await RedisTestServer.ResolveAsync()).EnsureAvailable();
        await Gate.WaitAsync();
        try
        {
            return _redis ??= await ConnectionMultiplexer.ConnectAsync(connectionString);
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task<NpgsqlDataSource> PostgresAsync()
    {
        var connectionString = (await PostgresTestServer.ResolveAsync()).EnsureAvailable();
        await Gate.WaitAsync();
        try
        {
            return _postgres ??= NpgsqlDataSource.Create(connectionString);
        }
        finally
        {
            Gate.Release();
        }
    }
}
