using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using SessionStores;
using SessionStores.MySql;
using SessionStores.Postgres;
using SessionStores.Redis;

// Usage (each takes the lease on <id>, prints "held <fence>" (or "busy") and waits to be killed):
//   redis <configuration> <key-prefix> <id> <duration-ms>
//   postgres <connection-string> <schema> <table> <id> <duration-ms>
//   mysql <connection-string> <table> <id> <duration-ms>
ISessionLeaseStore store;
string id;
string durationText;
switch (args)
{
    case ["redis", var configuration, var prefix, var redisId, var redisDuration]:
        store = new RedisSessionStore(new RedisSessionStoreOptions { ConnectionString = configuration, KeyPrefix = prefix });
        (id, durationText) = (redisId, redisDuration);
        break;
    case ["postgres", var connectionString, var schema, var table, var postgresId, var postgresDuration]:
        store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            ConnectionString = connectionString,
            SchemaName = schema,
            TableName = table,
            EnablePruning = false,
        });
        (id, durationText) = (postgresId, postgresDuration);
        break;
    case ["mysql", var connectionString, var table, var mysqlId, var mysqlDuration]:
        store = new MySqlSessionStore(new MySqlSessionStoreOptions { ConnectionString = connectionString, TableName = table, EnablePruning = false });
        (id, durationText) = (mysqlId, mysqlDuration);
        break;
    default:
        Console.Error.WriteLine("usage: redis <configuration> <key-prefix> <id> <duration-ms> | postgres <connection-string> <schema> <table> <id> <duration-ms> | mysql <connection-string> <table> <id> <duration-ms>");
        return 2;
}

var duration = TimeSpan.FromMilliseconds(int.Parse(durationText, CultureInfo.InvariantCulture));
var lease = await store.AcquireLeaseAsync(id, duration, TimeSpan.FromSeconds(30));
Console.WriteLine(lease is null ? "busy" : $"held {lease.Fence}");
await Task.Delay(Timeout.Infinite);
return 0;
