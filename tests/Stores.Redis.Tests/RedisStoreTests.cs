using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using StackExchange.Redis;
using Xunit;

namespace SessionStores.Redis.Tests;

/// <summary>What the conformance kit cannot know about Redis: key layout, glob prefixes, the subject index, corrupt records.</summary>
public abstract class RedisStoreTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : RedisFixture
{
    protected TFixture Fixture { get; } = fixture;

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    protected static string NewId() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_prefix_with_glob_characters_lists_counts_and_destroys_only_its_own_keys()
    {
        // Given a prefix full of glob syntax, and a neighbour prefix that its unescaped pattern would match.
        var unique = Guid.NewGuid().ToString("N")[..8];
        var globby = await Fixture.StoreAsync($"a*b?[c]\\{unique}:");
        var neighbour = await Fixture.StoreAsync($"aXXb1c\\{unique}:");
        var mine = NewId();
        var theirs = NewId();
        await globby.SetAsync(mine, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(5), "alice"), Token);
        await neighbour.SetAsync(theirs, new SessionWrite(new byte[] { 2 }, TimeSpan.FromMinutes(5), "alice"), Token);

        // When the glob store lists, counts and destroys everything it has.
        var listed = await ListAsync(globby, SessionQuery.All);
        var count = await globby.CountAsync(SessionQuery.All, Token);
        var destroyed = await globby.DestroyManyAsync(SessionQuery.All, Token);

        // Then it saw only its own session, and the neighbour's is untouched.
        Assert.Equal([mine], listed.Select(i => i.Id));
        Assert.Equal(1, count);
        Assert.Equal(1, destroyed);
        Assert.NotNull(await neighbour.GetAsync(theirs, Token));
        Assert.Equal(1, await neighbour.CountAsync(SessionQuery.ForSubject("alice"), Token));
    }

    [Fact]
    public async Task Stale_subject_index_entries_are_cleaned_after_expiry_and_destroy_and_never_returned()
    {
        var prefix = "t" + Guid.NewGuid().ToString("N")[..12] + ":";
        var store = await Fixture.StoreAsync(prefix);
        var subject = "user-" + Guid.NewGuid().ToString("N")[..6];
        var live = NewId();
        var expiring = new[] { NewId(), NewId(), NewId() };
        var destroyed = NewId();
        await store.SetAsync(live, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(5), subject), Token);
        await store.SetAsync(destroyed, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(5), subject), Token);
        foreach (var id in expiring)
        {
            await store.SetAsync(id, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMilliseconds(150), subject), Token);
        }

        var db = (await Fixture.ConnectionAsync()).GetDatabase();
        RedisKey index = prefix + "u{" + subject + "}";
        Assert.Equal(5, await db.SortedSetLengthAsync(index));

        // When the short sessions expire by TTL and one is destroyed.
        await store.DestroyAsync(destroyed, Token);
        foreach (var id in expiring)
        {
            while (await store.GetAsync(id, Token) is not null)
            {
                await Task.Delay(25, Token);
            }
        }

        // Then the subject shows only the live session, and the read removed the stale entries from the index.
        Assert.Equal([live], (await ListAsync(store, SessionQuery.ForSubject(subject))).Select(i => i.Id));
        Assert.Equal(1, await db.SortedSetLengthAsync(index));
        Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject(subject), Token));
    }

    [Fact]
    public async Task A_touch_beyond_the_indexed_horizon_keeps_the_session_in_its_subject_index()
    {
        var prefix = "t" + Guid.NewGuid().ToString("N")[..12] + ":";
        var store = await Fixture.StoreAsync(prefix);
        var subject = "user-" + Guid.NewGuid().ToString("N")[..6];
        var id = NewId();
        await store.SetAsync(id, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMilliseconds(200), subject), Token);
        var db = (await Fixture.ConnectionAsync()).GetDatabase();
        RedisKey index = prefix + "u{" + subject + "}";
        var scoreAfterSet = (await db.SortedSetScoreAsync(index, id))!.Value;

        // When a touch moves the expiry far past what the index entry covered.
        Assert.True(await store.TouchAsync(id, TimeSpan.FromMinutes(10), Token));
        Assert.NotNull(await store.GetAndTouchAsync(id, TimeSpan.FromMinutes(20), Token));

        // Then the entry now covers the new expiry (and outlives the index key's old expiry), so the subject still finds it.
        var record = await store.GetAsync(id, Token);
        var score = (await db.SortedSetScoreAsync(index, id))!.Value;
        Assert.True(score > scoreAfterSet);
        Assert.True(score >= record!.ExpiresAt.ToUnixTimeMilliseconds(), $"index score {score} < expiry {record.ExpiresAt.ToUnixTimeMilliseconds()}");
        Assert.True((await db.KeyTimeToLiveAsync(index))!.Value >= TimeSpan.FromMinutes(19));
        Assert.Equal([id], (await ListAsync(store, SessionQuery.ForSubject(subject))).Select(i => i.Id));
    }

    [Fact]
    public async Task Touch_and_GetAndTouch_report_a_key_of_another_type_or_a_bad_header_as_corrupt_and_leave_it()
    {
        var prefix = "t" + Guid.NewGuid().ToString("N")[..12] + ":";
        var store = await Fixture.StoreAsync(prefix);
        var db = (await Fixture.ConnectionAsync()).GetDatabase();
        var wrongType = NewId();
        var badHeader = NewId();
        await db.ListRightPushAsync(prefix + "s{" + wrongType + "}", "x");
        await db.StringSetAsync(prefix + "s{" + badHeader + "}", "S1zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");

        foreach (var id in new[] { wrongType, badHeader })
        {
            var touch = await Assert.ThrowsAsync<SessionDataCorruptedException>(() => store.TouchAsync(id, TimeSpan.FromMinutes(1), Token));
            Assert.Equal(id, touch.SessionId);
            await Assert.ThrowsAsync<SessionDataCorruptedException>(() => store.GetAndTouchAsync(id, TimeSpan.FromMinutes(1), Token));
            await Assert.ThrowsAsync<SessionDataCorruptedException>(() => store.GetAsync(id, Token));
        }

        // Nothing was changed: no expiry was added to either key.
        Assert.Null(await db.KeyTimeToLiveAsync(prefix + "s{" + wrongType + "}"));
        Assert.Null(await db.KeyTimeToLiveAsync(prefix + "s{" + badHeader + "}"));
    }

    protected static async Task<List<SessionInfo>> ListAsync(ISessionStore store, SessionQuery query)
    {
        var result = new List<SessionInfo>();
        await foreach (var info in store.ListAsync(query, Token))
        {
            result.Add(info);
        }

        return result;
    }
}

public sealed class RedisStandaloneStoreTests(RedisFixture fixture) : RedisStoreTests<RedisFixture>(fixture);

public sealed class RedisClusterStoreTests(RedisClusterFixture fixture) : RedisStoreTests<RedisClusterFixture>(fixture);
