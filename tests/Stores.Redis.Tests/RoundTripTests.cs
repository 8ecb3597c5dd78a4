using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;
using Xunit;

namespace SessionStores.Redis.Tests;

/// <summary>
/// Counts the commands each operation sends, with StackExchange.Redis's profiler: only commands issued from the
/// test's own async flow are recorded (an <see cref="AsyncLocal{T}"/> session), not heartbeats or other tests.
/// </summary>
public abstract class RoundTripTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : RedisFixture
{
    private static readonly AsyncLocal<ProfilingSession?> Current = new();

    // Get reads the value and its key's expiry (MULTI, GET, PEXPIRETIME, EXEC): the profiler records a transaction as
    // one message, its EXEC.
    private static readonly string[] GetTransaction = ["EXEC"];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_single_session_operation_is_one_command_and_scripts_are_sent_by_hash()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(await fixture.ConnectionStringAsync());
        connection.RegisterProfiler(() => Current.Value);
        var store = new RedisSessionStore(new RedisSessionStoreOptions
        {
            ConnectionMultiplexer = connection,
            KeyPrefix = "rt" + Guid.NewGuid().ToString("N")[..12] + ":",
        });
        var id = Guid.NewGuid().ToString("N");
        var ttl = TimeSpan.FromMinutes(5);

        // Warm up: the first use of each script on each node may send its source once.
        await store.SetAsync(id, new SessionWrite(new byte[] { 1 }, ttl), Token);
        await store.GetAndTouchAsync(id, ttl, Token);
        await store.TouchAsync(id, ttl, Token);
        foreach (var other in Enumerable.Range(0, 30).Select(_ => Guid.NewGuid().ToString("N")))
        {
            // Spread over every cluster node so each has seen every script.
            await store.SetAsync(other, new SessionWrite(new byte[] { 1 }, ttl), Token);
            await store.GetAndTouchAsync(other, ttl, Token);
            await store.TouchAsync(other, ttl, Token);
            await store.DestroyAsync(other, Token);
        }

        Assert.Equal(GetTransaction, await CommandsAsync(() => store.GetAsync(id, Token)));
        Assert.Equal(["EVALSHA"], await CommandsAsync(() => store.GetAndTouchAsync(id, ttl, Token)));
        Assert.Equal(["EVALSHA"], await CommandsAsync(() => store.TouchAsync(id, ttl, Token)));
        Assert.Equal(["EVALSHA"], await CommandsAsync(() => store.SetAsync(id, new SessionWrite(new byte[] { 2 }, ttl), Token)));
        Assert.Equal(["EVALSHA"], await CommandsAsync(() => store.SetAsync(id, new SessionWrite(new byte[] { 3 }, ttl, expectedVersion: 2), Token)));
        Assert.Equal(["EVALSHA"], await CommandsAsync(() => store.SetAsync(id, new SessionWrite(new byte[] { 3 }, ttl, expectedVersion: 99), Token)));
        // The delete (UNLINK) and its announcement to near caches pipelined behind it (PublishInvalidations, on by default).
        Assert.Equal(["UNLINK", "PUBLISH"], await CommandsAsync(() => store.DestroyAsync(id, Token)));
        Assert.Equal(GetTransaction, await CommandsAsync(() => store.GetAsync(id, Token)));
    }

    [Fact]
    public async Task A_new_subject_binding_extends_the_index_after_the_write_and_steady_writes_and_touches_stay_one_command()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(await fixture.ConnectionStringAsync());
        connection.RegisterProfiler(() => Current.Value);
        var store = new RedisSessionStore(new RedisSessionStoreOptions
        {
            ConnectionMultiplexer = connection,
            KeyPrefix = "rt" + Guid.NewGuid().ToString("N")[..12] + ":",
        });
        var ttl = TimeSpan.FromMinutes(5);
        for (var i = 0; i < 30; i++)
        {
            var warm = Guid.NewGuid().ToString("N");
            await store.SetAsync(warm, new SessionWrite(new byte[] { 1 }, ttl, "warm" + i), Token);
            await store.TouchAsync(warm, ttl, Token);
            await store.GetAndTouchAsync(warm, ttl, Token);
        }

        // A new binding: the write, then (only once it succeeded) the index entry, then the header's record of it.
        var id = Guid.NewGuid().ToString("N");
        var set = await ProfileAsync(() => store.SetAsync(id, new SessionWrite(new byte[] { 1 }, ttl, "alice"), Token));
        Assert.Equal(["EVALSHA", "EVALSHA", "EVALSHA"], set.Select(c => c.Command));
        for (var i = 1; i < set.Count; i++)
        {
            var previous = set[i - 1];
            var replied = previous.CommandCreated + previous.CreationToEnqueued + previous.EnqueuedToSending + previous.SentToResponse;
            Assert.True(set[i].CommandCreated >= replied, $"command {i} was sent before command {i - 1} had replied");
        }

        // The subject index already covers a write or touch with the same TTL: one command, as without a subject.
        Assert.Equal(["EVALSHA"], await CommandsAsync(() => store.SetAsync(id, new SessionWrite(new byte[] { 2 }, ttl, "alice"), Token)));
        Assert.Equal(["EVALSHA"], await CommandsAsync(() => store.TouchAsync(id, ttl, Token)));
        Assert.Equal(["EVALSHA"], await CommandsAsync(() => store.GetAndTouchAsync(id, ttl, Token)));
        Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject("alice"), Token));

        // A new subject is a new binding again.
        Assert.Equal(3, (await CommandsAsync(() => store.SetAsync(id, new SessionWrite(new byte[] { 3 }, ttl, "bob"), Token))).Length);
        Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject("bob"), Token));
        Assert.Equal(0, await store.CountAsync(SessionQuery.ForSubject("alice"), Token));
    }

    private static async Task<List<IProfiledCommand>> ProfileAsync(Func<Task> operation)
    {
        var session = new ProfilingSession();
        Current.Value = session;
        try
        {
            await operation();
        }
        finally
        {
            Current.Value = null;
        }

        return session.FinishProfiling().OrderBy(c => c.CommandCreated).ToList();
    }

    private static async Task<string[]> CommandsAsync(Func<Task> operation) =>
        (await ProfileAsync(operation)).Select(c => c.Command).ToArray();
}

public sealed class RedisStandaloneRoundTripTests(RedisFixture fixture) : RoundTripTests<RedisFixture>(fixture);

public sealed class RedisClusterRoundTripTests(RedisClusterFixture fixture) : RoundTripTests<RedisClusterFixture>(fixture);
