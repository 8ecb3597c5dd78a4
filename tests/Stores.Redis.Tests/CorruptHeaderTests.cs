using System;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;
using Xunit;

namespace SessionStores.Redis.Tests;

/// <summary>
/// The corrupt-data policy for headers that look almost right: each field of the 54-byte header damaged on its own,
/// planted with raw commands. Every read reports <see cref="SessionDataCorruptedException"/> (never a raw exception,
/// never a silent success) and nothing is changed: neither the stored bytes nor the key's expiry.
/// </summary>
public abstract class CorruptHeaderTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : RedisFixture
{
    private const string Subject = "alice";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Counting_a_subject_whose_index_leads_to_undecodable_records_leaves_them_out_and_listing_reports_them()
    {
        // Given three sessions of one subject, two of which were then damaged behind the store's back
        var prefix = "ch" + Guid.NewGuid().ToString("N")[..12] + ":";
        var store = await fixture.StoreAsync(prefix);
        var db = (await fixture.ConnectionAsync()).GetDatabase();
        var (live, garbled, wrongType) = (Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"));
        foreach (var id in new[] { live, garbled, wrongType })
        {
            await store.SetAsync(id, new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(30), Subject), Token);
        }

        await db.StringSetAsync(prefix + "s{" + garbled + "}", "not a session", TimeSpan.FromMinutes(30));
        await db.KeyDeleteAsync(prefix + "s{" + wrongType + "}");
        await db.HashSetAsync(prefix + "s{" + wrongType + "}", "f", "v");

        // Then the count leaves them out (the policy lets Count skip what it cannot decode), a listing reports them,
        // and their index entries stay (nothing shows they are stale)
        Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject(Subject), Token));
        await Assert.ThrowsAsync<SessionDataCorruptedException>(async () =>
        {
            await foreach (var _ in store.ListAsync(SessionQuery.ForSubject(Subject), Token))
            {
            }
        });
        Assert.Equal(3, await db.SortedSetLengthAsync(prefix + "u{" + Subject + "}"));
    }

    [Theory]
    [InlineData("magic", "S2")]
    [InlineData("version", "zzzzzzzzzzzz")]
    [InlineData("version", "000000000000")]
    [InlineData("version", "-00000000001")] // Lua's tonumber(s, 16) would take the sign
    [InlineData("version", "0x0000000001")] // ... and a 0x prefix
    [InlineData("version", "000000001   ")] // ... and trailing spaces
    [InlineData("created", "ffffffffffff")] // beyond DateTimeOffset.MaxValue
    [InlineData("created", "zzzzzzzzzzzz")]
    [InlineData("expires", "ffffffffffff")]
    [InlineData("expires", "00000000000g")]
    [InlineData("horizon", "zzzzzzzzzzzz")]
    [InlineData("subjectLength", "0010")] // longer than what follows the header
    [InlineData("subjectLength", "ffff")] // above the longest subject a store writes
    [InlineData("subjectLength", "+005")]
    public async Task A_damaged_header_field_is_reported_as_corrupt_by_every_read_and_left_unchanged(string field, string value)
    {
        // Given a session whose header is valid except for one field, planted without an expiry.
        var (store, db, id, key, planted) = await PlantAsync(field, value, expiry: null);

        // When every operation that reads it runs, then each reports the damage naming the session.
        var ttl = TimeSpan.FromMinutes(30);
        await AssertCorruptAsync(id, () => store.GetAsync(id, Token));
        await AssertCorruptAsync(id, () => store.GetAndTouchAsync(id, ttl, Token));
        await AssertCorruptAsync(id, () => store.TouchAsync(id, ttl, Token));
        await AssertCorruptAsync(id, () => store.SetAsync(id, new SessionWrite(new byte[] { 9 }, ttl, Subject, expectedVersion: 1), Token));

        // A compare-and-set against the header's own version (3) too: the write script's fast path must not take it.
        await AssertCorruptAsync(id, () => store.SetAsync(id, new SessionWrite(new byte[] { 9 }, ttl, Subject, expectedVersion: 3), Token));
        await AssertCorruptAsync(id, () => ListAllAsync(store, includeData: true));
        await AssertCorruptAsync(id, () => ListAllAsync(store, includeData: false));

        // And nothing was changed: the same bytes, still without an expiry.
        Assert.Equal(planted, (byte[]?)await db.StringGetAsync(key));
        Assert.Null(await db.KeyTimeToLiveAsync(key));

        // And the documented ways out still work.
        Assert.True(await store.DestroyAsync(id, Token));
    }

    [Theory]
    [InlineData("created", "E677D21FDBFF")] // upper-case hex, and DateTimeOffset.MaxValue itself
    [InlineData("created", "e677d21fdbff")]
    [InlineData("expires", "E677D21FDBFF")]
    [InlineData("horizon", "FFFFFFFFFFFF")]
    public async Task A_valid_header_in_a_form_the_write_scripts_fast_path_does_not_expect_is_still_compared_and_set(string field, string value)
    {
        // Given a valid session (version 3, subject "alice") whose header spells a field in a form this store does not
        // write: the compare-and-set fast path falls back to the full parse for it, or copies it as read.
        var (store, db, id, key, planted) = await PlantAsync(field, value, TimeSpan.FromMinutes(30));
        var created = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(Encoding.ASCII.GetString(planted, 14, 12), NumberStyles.HexNumber, CultureInfo.InvariantCulture));

        // When a compare-and-set against version 3 writes it, then it succeeds, keeps the created-at and the subject,
        // and a stale compare-and-set still conflicts.
        var result = await store.SetAsync(id, new SessionWrite(new byte[] { 9 }, TimeSpan.FromMinutes(30), Subject, expectedVersion: 3), Token);
        Assert.Equal(SessionSetResult.Success(4), result);
        var record = await store.GetAsync(id, Token);
        Assert.NotNull(record);
        Assert.Equal((4L, created, Subject), (record.Version, record.CreatedAt, record.Subject));
        Assert.Equal(new byte[] { 9 }, record.Data.ToArray());
        Assert.Equal(SessionSetResult.Conflict(4), await store.SetAsync(id, new SessionWrite(new byte[] { 8 }, TimeSpan.FromMinutes(30), Subject, expectedVersion: 3), Token));
    }

    [Fact]
    public async Task An_empty_string_under_a_session_key_is_corrupt_for_every_read_and_compare_and_set()
    {
        var prefix = "ch" + Guid.NewGuid().ToString("N")[..12] + ":";
        var store = await fixture.StoreAsync(prefix);
        var db = (await fixture.ConnectionAsync()).GetDatabase();
        var id = Guid.NewGuid().ToString("N");
        RedisKey key = prefix + "s{" + id + "}";
        await db.StringSetAsync(key, RedisValue.EmptyString);

        await AssertCorruptAsync(id, () => store.GetAsync(id, Token));
        await AssertCorruptAsync(id, () => store.TouchAsync(id, TimeSpan.FromMinutes(1), Token));
        await AssertCorruptAsync(id, () => store.GetAndTouchAsync(id, TimeSpan.FromMinutes(1), Token));

        // Compare-and-set too, create-only included: an empty string is not an absent key.
        await AssertCorruptAsync(id, () => store.SetAsync(id, new SessionWrite(new byte[] { 9 }, TimeSpan.FromMinutes(1), expectedVersion: 0), Token));
        await AssertCorruptAsync(id, () => store.SetAsync(id, new SessionWrite(new byte[] { 9 }, TimeSpan.FromMinutes(1), expectedVersion: 1), Token));
        await AssertCorruptAsync(id, () => ListAllAsync(store, includeData: true));
        await AssertCorruptAsync(id, () => ListAllAsync(store, includeData: false));

        Assert.Null(await db.KeyTimeToLiveAsync(key));
        Assert.Equal(0, await db.StringLengthAsync(key));

        // An unconditional write replaces it as a new session, as with any corrupt record.
        Assert.Equal(1, (await store.SetAsync(id, new SessionWrite(new byte[] { 9 }, TimeSpan.FromMinutes(1)), Token)).Version);
    }

    /// <summary>A valid header (version 3, created now, expires in an hour, subject "alice"), then data, with one field replaced.</summary>
    // A store on a fresh prefix, and a session of it planted with raw commands: its header valid but for one field.
    private async Task<(RedisSessionStore Store, IDatabase Db, string Id, RedisKey Key, byte[] Planted)> PlantAsync(string field, string value, TimeSpan? expiry)
    {
        var prefix = "ch" + Guid.NewGuid().ToString("N")[..12] + ":";
        var store = await fixture.StoreAsync(prefix);
        var db = (await fixture.ConnectionAsync()).GetDatabase();
        var id = Guid.NewGuid().ToString("N");
        RedisKey key = prefix + "s{" + id + "}";
        var planted = Plant(field, value);
        await (expiry is { } ttl ? db.StringSetAsync(key, planted, ttl) : db.StringSetAsync(key, planted));
        return (store, db, id, key, planted);
    }

    private static byte[] Plant(string field, string value)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string Hex12(long n) => n.ToString("x12", CultureInfo.InvariantCulture);
        var magic = field == "magic" ? value : "S1";
        var version = field == "version" ? value : Hex12(3);
        var created = field == "created" ? value : Hex12(now);
        var expires = field == "expires" ? value : Hex12(now + 3_600_000);
        var horizon = field == "horizon" ? value : Hex12(now + 7_200_000);
        var subjectLength = field == "subjectLength" ? value : Subject.Length.ToString("x4", CultureInfo.InvariantCulture);
        var text = magic + version + created + expires + horizon + subjectLength + Subject + "data";
        Assert.Equal(54 + Subject.Length + 4, text.Length);
        return Encoding.ASCII.GetBytes(text);
    }

    private static async Task AssertCorruptAsync(string id, Func<Task> operation)
    {
        var ex = await Assert.ThrowsAsync<SessionDataCorruptedException>(operation);
        Assert.Equal(id, ex.SessionId);
    }

    private static async Task ListAllAsync(ISessionStore store, bool includeData)
    {
        await foreach (var info in store.ListAsync(SessionQuery.All with { IncludeData = includeData }, Token))
        {
            Assert.Fail($"listed {info.Id} from a namespace that holds only a damaged session");
        }
    }
}

public sealed class RedisStandaloneCorruptHeaderTests(RedisFixture fixture) : CorruptHeaderTests<RedisFixture>(fixture);

public sealed class RedisClusterCorruptHeaderTests(RedisClusterFixture fixture) : CorruptHeaderTests<RedisClusterFixture>(fixture);
