using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using SessionStores.Memcached;
using SessionStores.MySql;
using SessionStores.Postgres;
using SessionStores.Redis;
using SessionStores.Reliability.Harness;
using Xunit;

namespace SessionStores.Reliability;

/// <summary>
/// Below the app: the store's own deadline (<see cref="SessionStoreOptions.OperationTimeout"/>) holds for every caller at
/// once while the server is stopped with SIGSTOP. Eight callers each make three calls (read with sliding expiry, write,
/// read); every call must fail with a transient <see cref="SessionStoreException"/> within the deadline plus half of it
/// (scheduling slack), including the calls that start while earlier ones are being abandoned.
/// </summary>
[Collection(nameof(StalledStoreCollection))]
public sealed class StoreDeadlineTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData("redis")]
    [InlineData("postgres")]
    [InlineData("mysql")]
    [InlineData("memcached")]
    public async Task Every_call_to_a_stopped_server_fails_transiently_at_the_deadline(string backend)
    {
        // Given a store with a 1 s deadline on a dedicated server, eight sessions in it, and the server stopped
        await using var server = await StallableBackends.StartAsync(backend);
        await using var store = new DisposableStore(Open(backend, server.ConnectionString));
        const int Callers = 8;
        for (var i = 0; i < Callers; i++)
        {
            await store.SetAsync($"s{i}", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(5)), Load.Token);
        }

        server.Pause();
        List<(int Caller, int Call, TimeSpan Took, Exception? Error)>[] calls;
        try
        {
            // When eight callers each make three calls
            calls = await Task.WhenAll(Enumerable.Range(0, Callers).Select(i => Task.Run(async () =>
            {
                var mine = new List<(int, int, TimeSpan, Exception?)>();
                for (var k = 0; k < 3; k++)
                {
                    var clock = Stopwatch.StartNew();
                    Exception? error = null;
                    try
                    {
                        _ = k == 1
                            ? (object)await store.SetAsync($"s{i}", new SessionWrite(new byte[] { 2 }, TimeSpan.FromMinutes(5)), Load.Token)
                            : await store.GetAndTouchAsync($"s{i}", TimeSpan.FromMinutes(5), Load.Token);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        error = ex;
                    }

                    mine.Add((i, k, clock.Elapsed, error));
                }

                return mine;
            })));
        }
        finally
        {
            server.Resume();
        }

        var all = calls.SelectMany(c => c).ToList();
        var took = all.Select(c => c.Took.TotalMilliseconds).Order().ToArray();
        Figures.Record(backend, "store calls to a stopped server", new()
        {
            ["calls"] = all.Count,
            ["deadline_s"] = Deadline.TotalSeconds,
            ["transient_failures"] = all.Count(c => c.Error is SessionStoreException { IsTransient: true }),
            ["p50_ms"] = Math.Round(took[took.Length / 2], 1),
            ["max_ms"] = Math.Round(took[^1], 1),
        });

        // Then every call failed transiently, and none took much longer than the deadline
        var wrong = all.Where(c => c.Error is not SessionStoreException { IsTransient: true } || c.Took > Deadline * 1.5).ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {all.Count} calls did not fail transiently within {Deadline.TotalSeconds * 1.5} s, e.g.\n"
            + string.Join("\n", wrong.Take(8).Select(c => $"caller {c.Caller} call {c.Call}: {c.Took.TotalMilliseconds:F0} ms, {c.Error?.GetType().Name ?? "succeeded"}")));
    }

    // The schema is in place (StallableBackends.StartAsync): the calls under test go straight to the server.
    private static ISessionStore Open(string backend, string connection) => backend switch
    {
        "redis" => new RedisSessionStore(new RedisSessionStoreOptions { ConnectionString = connection, OperationTimeout = Deadline }),
        "postgres" => new PostgresSessionStore(new PostgresSessionStoreOptions { ConnectionString = connection, OperationTimeout = Deadline, EnablePruning = false }),
        "mysql" => new MySqlSessionStore(new MySqlSessionStoreOptions { ConnectionString = connection, OperationTimeout = Deadline, EnablePruning = false }),
        "memcached" => new MemcachedSessionStore(new MemcachedSessionStoreOptions { ConnectionString = connection, OperationTimeout = Deadline }),
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown stallable backend."),
    };

    private sealed class DisposableStore(ISessionStore store) : IAsyncDisposable
    {
        public Task<SessionSetResult> SetAsync(string id, SessionWrite write, System.Threading.CancellationToken cancellationToken) => store.SetAsync(id, write, cancellationToken);

        public Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, System.Threading.CancellationToken cancellationToken) => store.GetAndTouchAsync(id, ttl, cancellationToken);

        public ValueTask DisposeAsync() => ((IAsyncDisposable)store).DisposeAsync();
    }
}
