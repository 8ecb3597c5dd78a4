using System;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using SessionStores.Benchmarks;
using SessionStores.TestServers;

namespace SessionStores.Memcached.Benchmarks;

/// <summary>
/// Store operations against the same meta commands written by hand on bare sockets (one per worker, one request at a
/// time: the least a client can do), at the same concurrency: <see cref="Workers"/> tasks each running
/// <see cref="OpsPerWorker"/> operations one after another. The raw Set sends the store's two commands (read the CAS
/// token, write over it); Raw_SetBlind is a plain <c>ms</c>, what a store without compare-and-set would send.
/// </summary>
[MemoryDiagnoser]
public class StoreVsRawBenchmarks
{
    public const int Workers = 8;
    public const int OpsPerWorker = 50;
    private const int Ops = Workers * OpsPerWorker;
    private const int Sessions = 1_000;
    private const string Prefix = "bench";

    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(30);
    private readonly byte[] _payload = new byte[512];
    private string[] _ids = [];
    private MemcachedSessionStore _store = null!;
    private RawConnection[] _raw = [];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var servers = Environment.GetEnvironmentVariable(MemcachedTestServer.EnvironmentVariable)!;
        _store = new MemcachedSessionStore(new MemcachedSessionStoreOptions { ConnectionString = servers, KeyPrefix = Prefix });
        Random.Shared.NextBytes(_payload);
        _ids = new string[Sessions];
        for (var i = 0; i < Sessions; i++)
        {
            _ids[i] = $"session-{i:D6}-{Guid.NewGuid():N}";
            await _store.SetAsync(_ids[i], new SessionWrite(_payload, Ttl, subject: "user" + (i % 100)));
        }

        var endPoint = servers.Split(',')[0].Split(':');
        _raw = new RawConnection[Workers];
        for (var w = 0; w < Workers; w++)
        {
            _raw[w] = new RawConnection(endPoint[0], int.Parse(endPoint[1], CultureInfo.InvariantCulture));
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _store.DisposeAsync();
        foreach (var raw in _raw)
        {
            raw.Dispose();
        }
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Store_Get() => RunAsync(async (_, id) => await _store.GetAsync(id));

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Raw_Get() => RunAsync((raw, id) => raw.SendAsync($"mg {Prefix}:{id} v c t f\r\n", null));

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Store_GetAndTouch() => RunAsync(async (_, id) => await _store.GetAndTouchAsync(id, Ttl));

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Raw_GetAndTouch() => RunAsync((raw, id) => raw.SendAsync($"mg {Prefix}:{id} v c t f T1801\r\n", null));

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Store_Set() => RunAsync(async (_, id) => await _store.SetAsync(id, new SessionWrite(_payload, Ttl, "user1")));

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Raw_Set() => RunAsync(async (raw, id) =>
    {
        var cas = await raw.SendAsync($"mg {Prefix}:{id} c\r\n", null);
        await raw.SendAsync($"ms {Prefix}:{id} {_payload.Length + 23} T1801 F1397948417 {cas}\r\n", _payload);
    });

    [Benchmark(OperationsPerInvoke = Ops)]
    public Task Raw_SetBlind() => RunAsync(async (raw, id) => await raw.SendAsync($"ms {Prefix}:{id} {_payload.Length + 23} T1801 F1397948417\r\n", _payload));

    // Each worker walks its own slice of the ids on its own raw connection.
    private Task RunAsync(Func<RawConnection, string, Task> operation) =>
        SliceWorkers.RunAsync(_ids, Workers, OpsPerWorker, (worker, id) => operation(_raw[worker], id));

    /// <summary>One socket, one request at a time; reads the reply line and a value's bytes, and returns the reply's
    /// CAS token as the <c>C</c> flag of a write (empty without one).</summary>
    private sealed class RawConnection : IDisposable
    {
        private readonly TcpClient _client;
        private readonly BufferedStream _stream;
        private readonly byte[] _header = new byte[23];

        public RawConnection(string host, int port)
        {
            _client = new TcpClient(host, port) { NoDelay = true };
            _header[0] = 1;
            _stream = new BufferedStream(_client.GetStream(), 64 * 1024);
        }

        public async Task<string> SendAsync(string line, byte[]? data)
        {
            await _stream.WriteAsync(Encoding.ASCII.GetBytes(line));
            if (data is not null)
            {
                // The store's 18-byte header (and a 5-byte subject) before the data, as it would store them.
                await _stream.WriteAsync(_header);
                await _stream.WriteAsync(data);
                await _stream.WriteAsync("\r\n"u8.ToArray());
            }

            await _stream.FlushAsync();
            var reply = ReadLine();
            var tokens = reply.Split(' ');
            if (tokens[0] == "VA")
            {
                var value = new byte[int.Parse(tokens[1], CultureInfo.InvariantCulture) + 2];
                await _stream.ReadExactlyAsync(value);
            }

            var cas = Array.Find(tokens, t => t.StartsWith('c'));
            return cas is null ? string.Empty : "C" + cas[1..];
        }

        public void Dispose()
        {
            _stream.Dispose();
            _client.Dispose();
        }

        private string ReadLine()
        {
            var line = new StringBuilder();
            int b;
            while ((b = _stream.ReadByte()) != '\n')
            {
                if (b < 0)
                {
                    throw new IOException("memcached closed the connection");
                }

                if (b != '\r')
                {
                    line.Append((char)b);
                }
            }

            return line.ToString();
        }
    }
}
