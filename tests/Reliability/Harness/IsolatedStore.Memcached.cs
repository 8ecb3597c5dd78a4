using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using SessionStores.Memcached;

namespace SessionStores.Reliability.Harness;

// The memcached store: a key prefix on the shared server, with decoy keys that resemble it. The store cannot list or
// count its sessions, so the snapshot asks the servers themselves (lru_crawler metadump) with a few text commands.
public abstract partial class IsolatedStore
{
    private sealed class MemcachedIsolated(MemcachedSessionStore store, IReadOnlyList<(string Host, int Port)> servers, string prefix) : IsolatedStore
    {
        public override ISessionStore Store => store;

        // Keys under the prefix are "<prefix>:<id>".
        private string Inside => prefix + ":";

        public static async Task<MemcachedIsolated> CreateAsync(string connection)
        {
            var servers = connection.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(entry => entry.Split(':') is [var host, var port] ? (host, int.Parse(port, System.Globalization.CultureInfo.InvariantCulture)) : (entry, 11211))
                .ToList();
            var prefix = $"rel_bad_{Guid.NewGuid():N}";
            var store = new MemcachedSessionStore(new MemcachedSessionStoreOptions
            {
                ConnectionString = connection,
                KeyPrefix = prefix,
                MaxDataBytes = MaxDataBytes,
                MaxItemBytes = TestServers.MemcachedTestServer.MaxItemBytes,
            });
            var isolated = new MemcachedIsolated(store, servers, prefix);
            foreach (var decoy in new[] { prefix, prefix + "_sibling:x", "sessions:" + prefix })
            {
                await CommandAsync(servers[0], $"set {decoy} 0 0 5\r\ndecoy\r\n");
            }

            return isolated;
        }

        // Every key of the servers outside the prefix, with its value when it resembles the prefix (the decoys).
        public override async Task<IReadOnlySet<string>> OutsideAsync()
        {
            var outside = new HashSet<string>();
            foreach (var (server, key) in await KeysAsync())
            {
                if (!key.StartsWith(Inside, StringComparison.Ordinal))
                {
                    outside.Add(key.Contains(prefix, StringComparison.Ordinal) ? $"{key}={await ValueAsync(server, key)}" : key);
                }
            }

            return outside;
        }

        public override async Task<IReadOnlyList<string>> FindAsync(string marker) =>
            (await KeysAsync()).Select(k => k.Key).Where(k => k.Contains(marker, StringComparison.Ordinal)).ToList();

        // CountAsync is not supported by the store (memcached cannot enumerate keys through it): the servers' keys under the prefix.
        public override async Task<long> StoredCountAsync() => (await KeysAsync()).Count(k => k.Key.StartsWith(Inside, StringComparison.Ordinal));

        public override async ValueTask DisposeAsync()
        {
            await store.DisposeAsync();
            foreach (var (server, key) in (await KeysAsync()).Where(k => k.Key.Contains(prefix, StringComparison.Ordinal)))
            {
                await CommandAsync(server, $"delete {key}\r\n");
            }
        }

        // Every key of every server, as the LRU crawler lists them (URI-encoded); BUSY while another dump runs.
        private async Task<List<((string Host, int Port) Server, string Key)>> KeysAsync()
        {
            var keys = new List<((string, int), string)>();
            foreach (var server in servers)
            {
                var lines = await CommandAsync(server, "lru_crawler metadump all\r\n");
                while (lines is [var busy] && busy.StartsWith("BUSY", StringComparison.Ordinal))
                {
                    await Task.Delay(50, Load.Token);
                    lines = await CommandAsync(server, "lru_crawler metadump all\r\n");
                }

                keys.AddRange(lines.Where(l => l.StartsWith("key=", StringComparison.Ordinal))
                    .Select(l => (server, Uri.UnescapeDataString(l[4..l.IndexOf(' ', StringComparison.Ordinal)]))));
            }

            return keys;
        }

        private static async Task<string> ValueAsync((string Host, int Port) server, string key) =>
            await CommandAsync(server, $"get {key}\r\n") is [_, var value, "END"] ? value : "(absent)";

        // One command on a connection of its own; the reply's lines up to its last (END, STORED, DELETED, NOT_FOUND, BUSY).
        private static async Task<List<string>> CommandAsync((string Host, int Port) server, string command)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(server.Host, server.Port, Load.Token);
            await using var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command), Load.Token);
            using var reader = new StreamReader(stream, Encoding.ASCII);
            var lines = new List<string>();
            while (await reader.ReadLineAsync(Load.Token) is { } line)
            {
                lines.Add(line);
                if (line is "END" or "STORED" or "DELETED" or "NOT_FOUND" || line.StartsWith("BUSY", StringComparison.Ordinal))
                {
                    return lines;
                }

                if (line == "ERROR" || line.StartsWith("CLIENT_ERROR", StringComparison.Ordinal) || line.StartsWith("SERVER_ERROR", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"memcached {server.Host}:{server.Port} answered {command.Split('\r')[0]} with {line}.");
                }
            }

            throw new IOException($"memcached {server.Host}:{server.Port} closed the connection during {command.Split('\r')[0]}.");
        }
    }
}
