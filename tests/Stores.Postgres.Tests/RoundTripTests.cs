using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Postgres.Tests;

public sealed class RoundTripTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_operation_is_one_round_trip()
    {
        var table = Db.NewName("rt");
        await using var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = await PostgresFixture.DataSourceAsync(),
            SchemaName = PostgresFixture.Schema,
            TableName = table,
            EnablePruning = false,
        });
        await store.EnsureSchemaAsync(Token);
        using var counter = new StatementCounter($"\"{table}\"");
        var write = new SessionWrite(new byte[] { 1, 2, 3 }, TimeSpan.FromMinutes(5), subject: "alice");

        async Task<T> Once<T>(string what, Func<Task<T>> operation)
        {
            counter.Take();
            var result = await operation();
            var statements = counter.Take();
            Assert.True(statements.Count == 1, $"{what} took {statements.Count} round trips: {string.Join(" | ", statements)}");
            return result;
        }

        Assert.Equal(1, (await Once("Set (create only)", () => store.SetAsync("s1", write with { ExpectedVersion = 0 }, Token))).Version);
        Assert.Equal(2, (await Once("Set (unconditional)", () => store.SetAsync("s1", write, Token))).Version);
        Assert.Equal(3, (await Once("Set (compare-and-set)", () => store.SetAsync("s1", write with { ExpectedVersion = 2 }, Token))).Version);
        Assert.Equal(3, (await Once("Set (conflict)", () => store.SetAsync("s1", write with { ExpectedVersion = 1 }, Token))).Version);
        Assert.NotNull(await Once("Get", () => store.GetAsync("s1", Token)));
        Assert.NotNull(await Once("GetAndTouch", () => store.GetAndTouchAsync("s1", TimeSpan.FromMinutes(9), Token)));
        Assert.True(await Once("Touch", () => store.TouchAsync("s1", TimeSpan.FromMinutes(10), Token)));
        Assert.Equal(1, await Once("Count", () => store.CountAsync(SessionQuery.ForSubject("alice"), Token)));
        Assert.Single(await Once("List (one page)", () => store.ListAsync(SessionQuery.All, Token).ToListAsync(Token).AsTask()));
        Assert.True(await Once("Destroy", () => store.DestroyAsync("s1", Token)));
        Assert.Equal(0, await Once("DestroyMany", () => store.DestroyManyAsync(SessionQuery.All, Token)));
    }

    [Fact]
    public async Task A_touch_threshold_skips_small_rewrites_and_keeps_large_ones()
    {
        var table = Db.NewName("th");
        await using var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = await PostgresFixture.DataSourceAsync(),
            SchemaName = PostgresFixture.Schema,
            TableName = table,
            EnablePruning = false,
            TouchWriteThreshold = TimeSpan.FromMinutes(1),
        });
        var quoted = $"\"{PostgresFixture.Schema}\".\"{table}\"";
        await store.SetAsync("s", new SessionWrite(new byte[] { 7 }, TimeSpan.FromMinutes(10)), Token);
        var stored = (await store.GetAsync("s", Token))!;
        var rowVersion = await Db.ScalarAsync<string>($"SELECT xmin::text FROM {quoted} WHERE id = 's'");

        // Moving the expiry by less than the threshold: the row is not rewritten, and the stored expiry is reported.
        Assert.True(await store.TouchAsync("s", TimeSpan.FromMinutes(10), Token));
        var touched = await store.GetAndTouchAsync("s", TimeSpan.FromMinutes(10.5), Token);
        Assert.Equal(stored.ExpiresAt, touched!.ExpiresAt);
        Assert.Equal(new byte[] { 7 }, touched.Data.ToArray());
        Assert.Equal(rowVersion, await Db.ScalarAsync<string>($"SELECT xmin::text FROM {quoted} WHERE id = 's'"));

        // Moving it by more: rewritten, exactly.
        var moved = await store.GetAndTouchAsync("s", TimeSpan.FromMinutes(30), Token);
        Assert.InRange(moved!.ExpiresAt - stored.ExpiresAt, TimeSpan.FromMinutes(19), TimeSpan.FromMinutes(21));
        Assert.NotEqual(rowVersion, await Db.ScalarAsync<string>($"SELECT xmin::text FROM {quoted} WHERE id = 's'"));
        Assert.True(await store.TouchAsync("s", TimeSpan.FromMinutes(2), Token));
        Assert.InRange((await store.GetAsync("s", Token))!.ExpiresAt - stored.ExpiresAt, TimeSpan.FromMinutes(-9), TimeSpan.FromMinutes(-7));

        // Absent and expired sessions still are absent.
        Assert.False(await store.TouchAsync("nobody", TimeSpan.FromMinutes(1), Token));
        Assert.Null(await store.GetAndTouchAsync("nobody", TimeSpan.FromMinutes(1), Token));
        await store.SetAsync("short", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMilliseconds(1)), Token);
        await Task.Delay(20, Token);
        Assert.False(await store.TouchAsync("short", TimeSpan.FromMilliseconds(30), Token));
        Assert.Null(await store.GetAndTouchAsync("short", TimeSpan.FromMilliseconds(30), Token));
    }
}
