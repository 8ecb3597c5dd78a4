using System;
using System.Threading.Tasks;
using SessionStores.Redis;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Admin.Tests;

/// <summary>The tool against this process's standalone Redis server; each test has a key prefix of its own.</summary>
public sealed class RedisAdminToolTests : AdminToolTests
{
    protected override async Task<(ISessionStore Store, string[] StoreArgs)> CreateAsync()
    {
        var connectionString = (await RedisTestServer.ResolveAsync()).EnsureAvailable();
        var prefix = "admin" + Guid.NewGuid().ToString("N")[..12] + ":";
        var store = Own(new RedisSessionStore(new RedisSessionStoreOptions { ConnectionString = connectionString, KeyPrefix = prefix, OperationTimeout = OperationTimeout }));
        return (store, ["--store", "redis", "--connection", connectionString, "--prefix", prefix, "--timeout", TimeoutSeconds]);
    }

    [Fact]
    public async Task Prune_is_refused_because_redis_expires_keys_itself()
    {
        var (_, storeArgs) = await CreateAsync();

        var result = await AdminRun.InProcessAsync(Args(storeArgs, "prune"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("expires sessions itself", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_that_is_not_a_number_is_bad_usage()
    {
        var (_, storeArgs) = await CreateAsync();

        var result = await AdminRun.InProcessAsync(Args(storeArgs, "count", "--database", "sessions"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("database number", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task As_a_real_process_it_lists_thousands_of_sessions_as_json_and_destroys_a_subject()
    {
        var (store, storeArgs) = await CreateAsync();
        var seeded = await Seeded.FillAsync(store, Thousands, "rp");

        var list = (await AdminRun.ProcessAsync(Args(storeArgs, "list", "--json"))).Json();
        var destroyed = (await AdminRun.ProcessAsync(Args(storeArgs, "destroy", "--subject", "user-3", "--yes", "--json"))).Json();

        Assert.Equal(Thousands, list.GetProperty("count").GetInt64());
        Assert.Equal(System.Linq.Enumerable.Count(seeded.OfSubject("user-3")), destroyed.GetProperty("destroyed").GetInt64());
        Assert.Equal(0, await store.CountAsync(SessionQuery.ForSubject("user-3"), TestContext.Current.CancellationToken));
    }
}
