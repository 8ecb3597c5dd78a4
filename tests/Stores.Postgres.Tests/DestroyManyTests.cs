using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Postgres.Tests;

/// <summary>DestroyMany deletes in bounded batches (<see cref="PostgresSessionStore.DestroyManyBatchSize"/> rows per
/// statement, each its own transaction) and still removes every session of the namespace or subject.</summary>
public sealed class DestroyManyTests
{
    private const int Batch = PostgresSessionStore.DestroyManyBatchSize;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DestroyMany_of_all_deletes_in_bounded_statements_and_counts_only_live_sessions()
    {
        var (store, table, marker) = await CreateStoreAsync();
        await using (store)
        {
            // 2.5 batches of live sessions, 0.7 of expired leftovers: four statements, the last one short.
            await FillAsync(table, "l", 2500, live: true, subject: null);
            await FillAsync(table, "e", 700, live: false, subject: null);
            using var counter = new StatementCounter(marker);

            Assert.Equal(2500, await store.DestroyManyAsync(SessionQuery.All, Token));

            Assert.Equal(4, counter.Statements.Count);
            Assert.Equal(0L, await Db.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
        }
    }

    [Fact]
    public async Task DestroyMany_of_a_subject_walks_only_that_subject_in_batches()
    {
        var (store, table, marker) = await CreateStoreAsync();
        await using (store)
        {
            await FillAsync(table, "a", Batch + 200, live: true, subject: "alice");
            await FillAsync(table, "x", 300, live: false, subject: "alice");
            await FillAsync(table, "b", 50, live: true, subject: "bob");
            await FillAsync(table, "n", 50, live: true, subject: null);
            using var counter = new StatementCounter(marker);

            Assert.Equal(Batch + 200, await store.DestroyManyAsync(SessionQuery.ForSubject("alice"), Token));

            Assert.Equal(2, counter.Statements.Count);
            Assert.Equal(0L, await Db.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE subject = 'alice'"));
            Assert.Equal(50, await store.CountAsync(SessionQuery.ForSubject("bob"), Token));
            Assert.Equal(100, await store.CountAsync(SessionQuery.All, Token));
        }
    }

    [Fact]
    public async Task A_row_held_by_a_request_is_waited_for_while_earlier_batches_are_already_committed()
    {
        var (store, table, _) = await CreateStoreAsync();
        await using (store)
        {
            // Given: ids l0000…l2499 (three batches in key order); a request holds a row of the third batch.
            await FillAsync(table, "l", 2500, live: true, subject: null);
            await using var held = await HoldRowAsync(table, "l2200");

            // When: DestroyMany runs into it.
            var destroying = store.DestroyManyAsync(SessionQuery.All, Token);

            // Then: the first two batches are committed while it waits (one long DELETE would show nothing until its
            // end), and it neither skips the held row nor fails on it.
            await Poll.UntilAsync(
                async () => await Db.ScalarAsync<long>($"SELECT count(*) FROM {table}") == 500 && await WaitingOnLockAsync(table),
                "DestroyMany did not commit its first batches while waiting for the held row", timeoutMs: 30_000);
            Assert.False(destroying.IsCompleted);
            await held.Transaction.CommitAsync(Token);

            Assert.Equal(2500, await destroying);
            Assert.Equal(0L, await Db.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
        }
    }

    [Fact]
    public async Task A_session_that_changes_subject_meanwhile_is_left_to_its_new_subject()
    {
        var (store, table, _) = await CreateStoreAsync();
        await using (store)
        {
            // Given: alice's sessions l0000…l1499; a request is moving l1200 (second batch) to bob.
            await FillAsync(table, "l", 1500, live: true, subject: "alice");
            await using var held = await HoldRowAsync(table, "l1200", "subject = 'bob', version = version + 1");

            // When: alice is signed out everywhere while that write is in flight, and then it commits.
            var destroying = store.DestroyManyAsync(SessionQuery.ForSubject("alice"), Token);
            await Poll.UntilAsync(() => WaitingOnLockAsync(table), "DestroyMany did not reach the row being moved", timeoutMs: 30_000);
            await held.Transaction.CommitAsync(Token);

            // Then: the batch that read l1200 as alice's checks the subject again at deletion and leaves it to bob.
            Assert.Equal(1499, await destroying);
            Assert.Equal(0, await store.CountAsync(SessionQuery.ForSubject("alice"), Token));
            Assert.Equal("l1200", Assert.Single(await store.ListAsync(SessionQuery.ForSubject("bob"), Token).ToListAsync(Token)).Id);
        }
    }

    [Fact]
    public async Task A_bulk_delete_its_caller_cancels_part_way_still_tells_the_near_caches()
    {
        // A batch deadline far beyond the test's: the held batch waits until the caller cancels, however slow the machine.
        var (store, table, _) = await CreateStoreAsync(TimeSpan.FromMinutes(2));
        await using (store)
        {
            // Given: a near-cache feed on the store, and three batches of sessions of which a request holds one row of
            // the third.
            var told = new RecordingInvalidationListener();
            await using var subscription = await store.SubscribeInvalidationsAsync(told, Token);
            await told.Live.Task.WaitAsync(TimeSpan.FromSeconds(30), Token);
            await FillAsync(table, "l", 2500, live: true, subject: null);
            await using var held = await HoldRowAsync(table, "l2200");

            // When: the caller gives up once the first two batches are deleted.
            using var caller = CancellationTokenSource.CreateLinkedTokenSource(Token);
            var destroying = store.DestroyManyAsync(SessionQuery.All, caller.Token);
            await Poll.UntilAsync(
                async () => await Db.ScalarAsync<long>($"SELECT count(*) FROM {table}") == 500 && await WaitingOnLockAsync(table),
                "DestroyMany did not commit its first batches", timeoutMs: 30_000);
            await caller.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => destroying);
            await held.Transaction.RollbackAsync(Token);

            // Then: what it deleted leaves every near cache all the same.
            await told.AllChanged.Task.WaitAsync(TimeSpan.FromSeconds(30), Token);
        }
    }

    /// <summary>A request's transaction that has updated row <paramref name="id"/> (<paramref name="set"/>) and holds its
    /// lock until it ends.</summary>
    private static async Task<HeldRow> HoldRowAsync(string table, string id, string set = "version = version + 1")
    {
        var holder = await (await PostgresFixture.DataSourceAsync()).OpenConnectionAsync(Token);
        var transaction = await holder.BeginTransactionAsync(Token);
        await using (var hold = new NpgsqlCommand($"UPDATE {table} SET {set} WHERE id = '{id}'", holder, transaction))
        {
            Assert.Equal(1, await hold.ExecuteNonQueryAsync(Token));
        }

        return new HeldRow(holder, transaction);
    }

    private sealed class HeldRow(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public NpgsqlTransaction Transaction => transaction;

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    private static async Task<(PostgresSessionStore Store, string QuotedTable, string Marker)> CreateStoreAsync(TimeSpan? operationTimeout = null)
    {
        var table = Db.NewName("dm");
        var store = new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            DataSource = await PostgresFixture.DataSourceAsync(),
            SchemaName = PostgresFixture.Schema,
            TableName = table,
            EnablePruning = false,
            OperationTimeout = operationTimeout ?? SessionLimits.DefaultOperationTimeout,
        });
        await store.EnsureSchemaAsync(Token);
        return (store, $"\"{PostgresFixture.Schema}\".\"{table}\"", $"\"{table}\"");
    }

    private static Task FillAsync(string table, string prefix, int count, bool live, string? subject) => Db.ExecuteAsync(
        $"INSERT INTO {table} (id, data, expires_at, version, subject, created_at) " +
        "SELECT $1 || lpad(g::text, 4, '0'), '\\x01'::bytea, now() + CASE WHEN $3 THEN interval '1 hour' ELSE interval '-1 hour' END, 1, $4, now() " +
        "FROM generate_series(0, $2 - 1) g",
        prefix,
        count,
        live,
        subject is null ? DBNull.Value : subject);

    // A statement on the table that waits for a row lock (the store's batch behind the held row).
    private static async Task<bool> WaitingOnLockAsync(string quotedTable) =>
        await Db.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND strpos(query, $1) > 0 AND strpos(query, 'DELETE') > 0",
            quotedTable) > 0;
}
