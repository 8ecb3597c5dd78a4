using System;
using System.Globalization;
using System.Threading.Tasks;
using SessionStores;
using SessionStores.Conformance;
using SessionStores.Postgres;
using SessionStores.Redis;

// Usage (each increments the counter session <id> <count> times through a near cache, printing "ready" once its feed is
// live and "done <conflicts>" at the end; exit code 3 when a read after its own write saw an older version):
//   redis <configuration> <key-prefix> <id> <count>
//   postgres <connection-string> <schema> <table> <id> <count>
ISessionStore store;
string id;
string countText;
switch (args)
{
    case ["redis", var configuration, var prefix, var redisId, var redisCount]:
        store = new RedisSessionStore(new RedisSessionStoreOptions { ConnectionString = configuration, KeyPrefix = prefix });
        (id, countText) = (redisId, redisCount);
        break;
    case ["postgres", var connectionString, var schema, var table, var postgresId, var postgresCount]:
        store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            ConnectionString = connectionString,
            SchemaName = schema,
            TableName = table,
            EnablePruning = false,
        });
        (id, countText) = (postgresId, postgresCount);
        break;
    default:
        Console.Error.WriteLine("usage: redis <configuration> <key-prefix> <id> <count> | postgres <connection-string> <schema> <table> <id> <count>");
        return 2;
}

await using var cache = NearCachedSessionStore.Create(store, (ISessionInvalidationSource)store, disposeInner: true);
while (!cache.GetStatistics().IsFeedLive)
{
    await Task.Delay(20);
}

Console.WriteLine("ready");
try
{
    var conflicts = await NearCacheIncrements.RunAsync(cache, id, int.Parse(countText, CultureInfo.InvariantCulture), default);
    Console.WriteLine($"done {conflicts}");
    return 0;
}
catch (InvalidOperationException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 3;
}
