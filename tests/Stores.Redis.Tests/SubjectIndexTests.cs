using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.TestServers;
using StackExchange.Redis;
using Xunit;

namespace SessionStores.Redis.Tests;

/// <summary>
/// The subject index must list every live session of its subject, also when the caller stops waiting half-way and
/// while a bulk delete runs.
/// </summary>
public abstract class SubjectIndexTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : RedisFixture
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_set_with_a_subject_whose_caller_cancels_after_sending_still_indexes_the_session()
    {
        var (store, _, subject) = await NewStoreAsync();
        var id = Guid.NewGuid().ToString("N");

        // When the caller cancels right after the write was sent (the store is warm, so it is sent synchronously).
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var set = store.SetAsync(id, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(5), subject), cancel.Token);
        await cancel.CancelAsync();
        await IgnoreCancellationAsync(set);

        // Then the write still lands on the server, and so does its subject index entry.
        await Poll.UntilAsync(async () => await store.GetAsync(id, Token) is not null, "the session was never written");
        await Poll.UntilAsync(
            async () => await store.CountAsync(SessionQuery.ForSubject(subject), Token) == 1,
            "the live session is missing from its subject's index");
    }

    [Fact]
    public async Task A_late_horizon_record_for_an_older_version_of_the_session_changes_nothing()
    {
        // Given a session bound to a subject, then written again as a new version bound to another subject
        var (store, prefix, subject) = await NewStoreAsync();
        var db = (await fixture.ConnectionAsync()).GetDatabase();
        var id = Guid.NewGuid().ToString("N");
        RedisKey key = prefix + "s{" + id + "}";
        var ttl = TimeSpan.FromMinutes(5);
        await store.SetAsync(id, new SessionWrite(new byte[] { 1 }, ttl, subject), Token);
        var first = Internal.RedisCodec.Identity((byte[])(await db.StringGetAsync(key))!);
        await store.SetAsync(id, new SessionWrite(new byte[] { 2 }, ttl, "other-" + subject), Token);
        var headerBefore = (byte[])(await db.StringGetRangeAsync(key, 0, Internal.RedisCodec.HeaderLength - 1))!;
        var second = Internal.RedisCodec.Identity(headerBefore);
        var far = DateTimeOffset.UtcNow.AddDays(30).ToUnixTimeMilliseconds();

        // When the horizon record of an index extension made for the first version arrives late
        var late = await Internal.RedisCommands.SetHorizon.EvaluateAsync(db, [key], [System.Text.Encoding.UTF8.GetBytes("other-" + subject), far, first], Token);

        // Then it is ignored (it would claim coverage the current version's index entry may not have); the current
        // version's own record is taken
        Assert.Equal(0, (long)late);
        Assert.Equal(headerBefore, (byte[])(await db.StringGetRangeAsync(key, 0, Internal.RedisCodec.HeaderLength - 1))!);
        Assert.Equal(1, (long)await Internal.RedisCommands.SetHorizon.EvaluateAsync(db, [key], [System.Text.Encoding.UTF8.GetBytes("other-" + subject), far, second], Token));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_set_whose_index_update_fails_reports_it_and_the_next_touch_indexes_the_session(bool getAndTouch)
    {
        // Given a subject whose index key cannot be updated (another Redis type sits on it)
        var (store, prefix, subject) = await NewStoreAsync();
        var db = (await fixture.ConnectionAsync()).GetDatabase();
        RedisKey indexKey = prefix + "u{" + subject + "}";
        await db.StringSetAsync(indexKey, "not a sorted set");
        var id = Guid.NewGuid().ToString("N");
        var ttl = TimeSpan.FromMinutes(5);

        // When a session is bound to the subject
        var ex = await Assert.ThrowsAsync<SessionStoreException>(() => store.SetAsync(id, new SessionWrite(new byte[] { 1 }, ttl, subject), Token));

        // Then the failure says the session was written but not indexed (it is not a corrupt session)
        Assert.IsNotType<SessionDataCorruptedException>(ex);
        Assert.Contains("subject index", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await store.GetAsync(id, Token))!.Version);

        // And once the index key is usable again, the session's next touch (same TTL) indexes it: its header claimed no
        // index coverage that the failed update never gave
        await db.KeyDeleteAsync(indexKey);
        if (getAndTouch)
        {
            Assert.NotNull(await store.GetAndTouchAsync(id, ttl, Token));
        }
        else
        {
            Assert.True(await store.TouchAsync(id, ttl, Token));
        }

        Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject(subject), Token));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_touch_whose_caller_cancels_after_sending_still_extends_the_subject_index(bool getAndTouch)
    {
        var (store, prefix, subject) = await NewStoreAsync();
        var db = (await fixture.ConnectionAsync()).GetDatabase();
        RedisKey index = prefix + "u{" + subject + "}";
        var id = Guid.NewGuid().ToString("N");
        await store.SetAsync(id, new SessionWrite(new byte[] { 1 }, TimeSpan.FromSeconds(30), subject), Token);

        // When a touch moves the expiry far past what the index entry covers, and its caller cancels right after sending.
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var ttl = TimeSpan.FromMinutes(20);
        var touch = getAndTouch ? store.GetAndTouchAsync(id, ttl, cancel.Token) : (Task)store.TouchAsync(id, ttl, cancel.Token);
        await cancel.CancelAsync();
        await IgnoreCancellationAsync(touch);

        // Then the session was touched and its index entry still comes to cover the new expiry.
        await Poll.UntilAsync(
            async () => (await store.GetAsync(id, Token))!.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(10),
            "the touch never reached the server");
        var expiresAt = (await store.GetAsync(id, Token))!.ExpiresAt.ToUnixTimeMilliseconds();
        await Poll.UntilAsync(
            async () => await db.SortedSetScoreAsync(index, id) >= expiresAt,
            "the subject index entry was not extended to the touched expiry");
    }

    [Fact]
    public async Task DestroyMany_of_everything_never_unindexes_a_session_created_meanwhile()
    {
        var (store, _, _) = await NewStoreAsync();
        var late = "late-" + Guid.NewGuid().ToString("N")[..6];
        for (var round = 0; round < 3; round++)
        {
            // Given many subjects (so a bulk delete has much to go through) and writers that keep creating sessions.
            await Task.WhenAll(Enumerable.Range(0, 150).Select(i =>
                store.SetAsync(Guid.NewGuid().ToString("N"), new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(5), $"s{round}-{i}"), Token)));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
            var writers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await store.SetAsync(Guid.NewGuid().ToString("N"), new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(5), late), Token);
                }
            })).ToArray();

            // When everything is destroyed meanwhile.
            await store.DestroyManyAsync(SessionQuery.All with { PageSize = 10 }, Token);
            await stop.CancelAsync();
            await Task.WhenAll(writers);

            // Then every session that survived (only ones created during the delete can) is found by its subject.
            var alive = await store.CountAsync(SessionQuery.All, Token);
            Assert.Equal(alive, await store.CountAsync(SessionQuery.ForSubject(late), Token));
        }
    }

    private async Task<(RedisSessionStore Store, string Prefix, string Subject)> NewStoreAsync()
    {
        var prefix = "si" + Guid.NewGuid().ToString("N")[..12] + ":";
        var store = await fixture.StoreAsync(prefix);

        // Warm: connected, and the scripts known to every node, so that an operation sends its command before it returns.
        for (var i = 0; i < 12; i++)
        {
            var warm = Guid.NewGuid().ToString("N");
            await store.SetAsync(warm, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMilliseconds(200), "warm"), Token);
            await store.TouchAsync(warm, TimeSpan.FromMinutes(1), Token);
            await store.GetAndTouchAsync(warm, TimeSpan.FromMinutes(2), Token);
            await store.DestroyAsync(warm, Token);
        }

        return (store, prefix, "user-" + Guid.NewGuid().ToString("N")[..8]);
    }

    private static async Task IgnoreCancellationAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
            // Expected: the caller stopped waiting. (The reply may also have won the race; both are fine.)
        }
    }
}

public sealed class RedisStandaloneSubjectIndexTests(RedisFixture fixture) : SubjectIndexTests<RedisFixture>(fixture);

public sealed class RedisClusterSubjectIndexTests(RedisClusterFixture fixture) : SubjectIndexTests<RedisClusterFixture>(fixture);
