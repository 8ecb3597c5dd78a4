using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Benchmarks;
using StackExchange.Redis;

namespace SessionStores.Redis.Benchmarks;

/// <summary>
/// <c>--write-batching</c>: whether grouping concurrent compare-and-set writes into one script call (a group commit:
/// while one call is in flight, the writes that arrive wait and then go out together) would lower the CPU a write
/// costs, the client's and Redis's, against one script call per write as the store sends today. Both contenders run the
/// same stand-in compare-and-set (read the version at the head of the value, compare, <c>SET ... PX</c>) over
/// <c>--concurrency</c> closed loops on their own keys, <c>--ops</c> writes per contender and round, alternated within
/// <c>--rounds</c> rounds; the medians are printed. A measurement for issue #14, not a store feature.
/// </summary>
internal static class WriteBatchingComparison
{
    private const string Single = """
        local head = redis.call('GETRANGE', KEYS[1], 0, 19)
        if head ~= '' and tonumber(string.match(head, '^(%d+):')) ~= tonumber(ARGV[1]) then return 0 end
        redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        return 1
        """;

    private const string Batched = """
        local results = {}
        for i, key in ipairs(KEYS) do
          local head = redis.call('GETRANGE', key, 0, 19)
          if head ~= '' and tonumber(string.match(head, '^(%d+):')) ~= tonumber(ARGV[3 * i - 2]) then
            results[i] = 0
          else
            redis.call('SET', key, ARGV[3 * i - 1], 'PX', ARGV[3 * i])
            results[i] = 1
          end
        end
        return results
        """;

    private const long TtlMs = 1_200_000;

    public static async Task RunAsync(string[] args)
    {
        var ops = BenchmarkArgs.IntArg(args, "--ops", 200_000);
        var concurrency = BenchmarkArgs.IntArg(args, "--concurrency", 16);
        var rounds = BenchmarkArgs.IntArg(args, "--rounds", 3);
        using var redis = BenchmarkRedis.Start();
        await using var connection = await Comparison.ConnectAdminAsync(redis.ConnectionString);
        var db = connection.GetDatabase();
        var server = connection.GetServers()[0];
        var single = Convert.FromHexString((await db.ExecuteAsync("SCRIPT", "LOAD", Single)).ToString());
        var batched = Convert.FromHexString((await db.ExecuteAsync("SCRIPT", "LOAD", Batched)).ToString());
        var payload = new byte[512];
        new Random(42).NextBytes(payload);

        var contenders = new (string Name, Func<Writer> Create)[]
        {
            ("one script call per write", () => new Writer(concurrency, "single", (key, version, value) => OneAsync(db, single, key, version, value))),
            ("group commit (one call per batch)", () =>
            {
                var group = new GroupCommit(db, batched);
                return new Writer(concurrency, "batched", group.WriteAsync, group);
            }),
        };

        foreach (var (_, create) in contenders)
        {
            await MeasureAsync(create(), server, payload, 5_000); // warm-up: JIT, script cache
        }

        var results = await AlternatingRounds.RunAsync(contenders, rounds, c => MeasureAsync(c.Create(), server, payload, ops));

        Console.WriteLine($"Compare-and-set writes of 512-byte values: {ops} per contender and round, {concurrency} closed loops, {rounds} rounds (median shown), {Environment.ProcessorCount} cores");
        Console.WriteLine("| contender | client CPU µs/write | redis-server CPU µs/write | writes/s | writes per call |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        for (var c = 0; c < contenders.Length; c++)
        {
            var all = results[c];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {contenders[c].Name} | {Percentiles.Median(all.Select(m => m.ClientUs)):F1} | {Percentiles.Median(all.Select(m => m.ServerUs)):F1} | {Percentiles.Median(all.Select(m => m.PerSecond)):F0} | {Percentiles.Median(all.Select(m => m.PerCall)):F2} |"));
        }
    }

    private static async Task<bool> OneAsync(IDatabase db, byte[] script, RedisKey key, long version, byte[] value) =>
        (long)await db.ScriptEvaluateAsync(script, [key], [version, value, TtlMs]) == 1;

    private static async Task<Measurement> MeasureAsync(Writer writer, IServer server, byte[] payload, int ops)
    {
        var serverBefore = await Comparison.ServerCpuSecondsAsync(server);
        var (clientUs, perSecond) = await Comparison.MeasureClosedLoopsAsync(writer.Versions.Length, ops, loop => writer.WriteNextAsync(loop, payload));
        var serverSeconds = await Comparison.ServerCpuSecondsAsync(server) - serverBefore;
        return new Measurement(clientUs, serverSeconds * 1e6 / ops, perSecond, writer.WritesPerCall);
    }

    private sealed record Measurement(double ClientUs, double ServerUs, double PerSecond, double PerCall);

    /// <summary>One key and version per loop; a write sends version + 1 with the value and fails the run on a conflict.</summary>
    private sealed class Writer(int loops, string tag, Func<RedisKey, long, byte[], Task<bool>> write, GroupCommit? group = null)
    {
        private readonly RedisKey[] _keys = Enumerable.Range(0, loops).Select(i => (RedisKey)$"batching:{tag}:{Guid.NewGuid():N}:{i}").ToArray();

        public long[] Versions { get; } = new long[loops];

        public double WritesPerCall => group?.WritesPerCall ?? 1;

        public async Task WriteNextAsync(int loop, byte[] payload)
        {
            var version = Versions[loop];
            var head = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{version + 1}:"));
            var value = new byte[head.Length + payload.Length];
            head.CopyTo(value, 0);
            payload.CopyTo(value, head.Length);
            if (!await write(_keys[loop], version, value))
            {
                throw new InvalidOperationException($"unexpected conflict on {_keys[loop]} at version {version}");
            }

            Versions[loop] = version + 1;
        }
    }

    /// <summary>Writes that arrive while a call is in flight wait for it and then go out together, in one call.</summary>
    private sealed class GroupCommit(IDatabase db, byte[] script)
    {
        private readonly Lock _gate = new();
        private List<Pending> _queue = [];
        private bool _inFlight;
        private long _writes;
        private long _calls;

        public double WritesPerCall => _calls == 0 ? 0 : (double)_writes / _calls;

        public Task<bool> WriteAsync(RedisKey key, long version, byte[] value)
        {
            var pending = new Pending(key, version, value, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
            List<Pending>? send = null;
            lock (_gate)
            {
                _queue.Add(pending);
                if (!_inFlight)
                {
                    _inFlight = true;
                    (send, _queue) = (_queue, []);
                }
            }

            if (send is not null)
            {
                _ = SendAsync(send);
            }

            return pending.Done.Task;
        }

        private async Task SendAsync(List<Pending> batch)
        {
            while (batch.Count > 0)
            {
                Interlocked.Add(ref _writes, batch.Count);
                Interlocked.Increment(ref _calls);
                var keys = new RedisKey[batch.Count];
                var values = new RedisValue[batch.Count * 3];
                for (var i = 0; i < batch.Count; i++)
                {
                    keys[i] = batch[i].Key;
                    values[3 * i] = batch[i].Version;
                    values[(3 * i) + 1] = batch[i].Value;
                    values[(3 * i) + 2] = TtlMs;
                }

                // TrySet: a failure while reading the results must not throw on writes already completed, or this loop
                // would end with _inFlight still set and every later write would wait forever.
                try
                {
                    var results = (RedisResult[])(await db.ScriptEvaluateAsync(script, keys, values))!;
                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch[i].Done.TrySetResult((long)results[i] == 1);
                    }
                }
                catch (Exception ex)
                {
                    batch.ForEach(p => p.Done.TrySetException(ex));
                }

                lock (_gate)
                {
                    (batch, _queue) = (_queue, []);
                    _inFlight = batch.Count > 0;
                }
            }
        }

        private sealed record Pending(RedisKey Key, long Version, byte[] Value, TaskCompletionSource<bool> Done);
    }
}
