using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using SessionStores.Redis;
using StackExchange.Redis;

namespace SessionStores.Reliability.Harness;

// The Redis store (standalone or cluster): a key prefix, with decoy keys that resemble it.
public abstract partial class IsolatedStore
{
    private sealed class RedisIsolated(ConnectionMultiplexer multiplexer, RedisSessionStore store, string prefix, int database) : IsolatedStore
    {
        public override ISessionStore Store => store;

        public static async Task<RedisIsolated> CreateAsync(string connection, int database)
        {
            var multiplexer = await ConnectionMultiplexer.ConnectAsync(connection);
            var prefix = $"rel-bad-{Guid.NewGuid():N}:";
            var db = multiplexer.GetDatabase(database);
            await db.StringSetAsync(prefix.TrimEnd(':'), "decoy");
            await db.StringSetAsync(prefix.TrimEnd(':') + "-sibling:x", "decoy");
            await db.StringSetAsync("{" + prefix + "}decoy", "decoy");
            var store = new RedisSessionStore(new RedisSessionStoreOptions
            {
                ConnectionMultiplexer = multiplexer,
                KeyPrefix = prefix,
                Database = database,
                MaxDataBytes = MaxDataBytes,
            });
            return new RedisIsolated(multiplexer, store, prefix, database);
        }

        // Every key of the database outside the prefix, with its value when it is a string (the decoys).
        public override async Task<IReadOnlySet<string>> OutsideAsync()
        {
            var db = multiplexer.GetDatabase(database);
            var outside = new HashSet<string>();
            foreach (var key in Keys("*").Where(k => !k.StartsWith(prefix, StringComparison.Ordinal)))
            {
                outside.Add(key.Contains(prefix.TrimEnd(':'), StringComparison.Ordinal) ? $"{key}={await db.StringGetAsync(key)}" : key);
            }

            return outside;
        }

        public override Task<IReadOnlyList<string>> FindAsync(string marker) =>
            Task.FromResult<IReadOnlyList<string>>(Keys("*" + marker + "*").ToList());

        public override async ValueTask DisposeAsync()
        {
            await store.DisposeAsync();
            var db = multiplexer.GetDatabase(database);
            foreach (var key in Keys("*" + prefix.TrimEnd(':') + "*"))
            {
                await db.KeyDeleteAsync(key);
            }

            await multiplexer.DisposeAsync();
        }

        private IEnumerable<string> Keys(string pattern) =>
            multiplexer.GetServers().Where(s => !s.IsReplica).SelectMany(s => s.Keys(database: Math.Max(database, 0), pattern: pattern, pageSize: 1000)).Select(k => k.ToString());
    }
}
