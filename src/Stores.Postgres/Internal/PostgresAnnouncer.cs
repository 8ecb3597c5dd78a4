using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace SessionStores.Postgres.Internal;

/// <summary>
/// Sends the near-cache announcements of a store's committed writes: whatever writes completed while the previous send
/// was under way go together, as one <c>pg_notify</c> per write in one statement (one transaction).
/// </summary>
/// <remarks>
/// <para>Why batched and after the write rather than in its transaction: PostgreSQL serialises the commits of notifying
/// transactions on one database-wide lock held to the end of the commit (WAL flush included when the transaction wrote),
/// so one notifying transaction per write made the writes queue on that lock (measured: most active backends waiting on
/// <c>Lock:object</c>). Here there is one notifying transaction per batch, it writes no WAL of its own, and the writes
/// commit as if nobody listened.</para>
/// <para>Exact for a near cache: an announcement is queued only once its write has committed, with the version that write
/// produced. When a send fails, what it carried is lost: the next successful send announces <c>*</c> (every cache
/// flushes) first. Memory is bounded: past <see cref="MaxPending"/> queued announcements the queue is dropped the same
/// way. What a process that dies between a commit and its send never announces, other processes' caches serve until
/// their <c>MaxEntryAge</c> (a compare-and-set against it still fails and reloads, so no update is lost).</para>
/// </remarks>
internal sealed class PostgresAnnouncer
{
    /// <summary>The most announcements queued before they are replaced by one <c>*</c>.</summary>
    public const int MaxPending = 100_000;

    private const int MaxBatch = 1_000;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastBackoff = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _channel;
    private readonly string _sql;
    private readonly Action<Exception> _failed;
    private readonly ConcurrentQueue<string> _pending = new();
    private readonly SemaphoreSlim _signal = new(0);
    private int _count;
    private int _lost;
    private Task? _running;

    /// <param name="dataSource">Where to send.</param>
    /// <param name="channel">The NOTIFY channel.</param>
    /// <param name="failed">Told of a failed send (whose announcements a later <c>*</c> replaces).</param>
    public PostgresAnnouncer(NpgsqlDataSource dataSource, string channel, Action<Exception> failed)
    {
        _dataSource = dataSource;
        _channel = channel;
        _failed = failed;
        _sql = "SELECT pg_notify($1, p)::text FROM unnest($2::text[]) AS p";
    }

    /// <summary>Queues the announcement of a committed write: <paramref name="version"/> 0 for a destroy.</summary>
    public void Announce(string id, long version)
    {
        if (Interlocked.Increment(ref _count) > MaxPending)
        {
            Interlocked.Decrement(ref _count);
            Volatile.Write(ref _lost, 1);
        }
        else
        {
            _pending.Enqueue(id + ":" + version.ToString(CultureInfo.InvariantCulture));
        }

        _signal.Release();
    }

    /// <summary>Starts the sending loop, once; it ends when <paramref name="stopping"/> is cancelled, after one last send.</summary>
    public void EnsureStarted(CancellationToken stopping)
    {
        if (Volatile.Read(ref _running) is null)
        {
            var loop = new Task<Task>(() => RunAsync(stopping));
            if (Interlocked.CompareExchange(ref _running, loop.Unwrap(), null) is null)
            {
                loop.Start(TaskScheduler.Default);
            }
        }
    }

    /// <summary>The sending loop, once started.</summary>
    public Task Running => Volatile.Read(ref _running) ?? Task.CompletedTask;

    /// <summary>
    /// Waits at most <paramref name="timeout"/> for the sending loop to end after its stopping token was cancelled, its
    /// last send included. A send still running then (a stalled server, a data source without timeouts) goes on: it
    /// completes, or fails and is reported, once its connection does.
    /// </summary>
    /// <returns>Whether the loop ended in time.</returns>
    public async Task<bool> WaitStoppedAsync(TimeSpan timeout)
    {
        var running = Running;
        using var delay = new CancellationTokenSource();
        var ended = await Task.WhenAny(running, Task.Delay(timeout, delay.Token)).ConfigureAwait(false) == running;
        await delay.CancelAsync().ConfigureAwait(false);
        return ended;
    }

    /// <inheritdoc cref="WaitStoppedAsync"/>
    public bool WaitStopped(TimeSpan timeout) => Running.Wait(timeout);

    private async Task RunAsync(CancellationToken stopping)
    {
        var batch = new List<string>(64);
        var backoff = FirstBackoff;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (await SendPendingAsync(batch).ConfigureAwait(false))
                {
                    backoff = FirstBackoff;
                    await _signal.WaitAsync(stopping).ConfigureAwait(false);
                }
                else
                {
                    // Retried after a pause even if nothing else is written: the "*" must get through.
                    await Task.Delay(backoff, stopping).ConfigureAwait(false);
                    backoff = backoff * 2 < LastBackoff ? backoff * 2 : LastBackoff;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
        }

        // Disposed: what writes committed before it still goes out, once.
        await SendPendingAsync(batch).ConfigureAwait(false);
    }

    // False when a send failed (its announcements are then replaced by a "*" on the next one).
    private async Task<bool> SendPendingAsync(List<string> batch)
    {
        while (true)
        {
            batch.Clear();
            if (Interlocked.Exchange(ref _lost, 0) == 1)
            {
                batch.Add(PostgresCommands.AllChanged);
            }

            while (batch.Count < MaxBatch && _pending.TryDequeue(out var payload))
            {
                Interlocked.Decrement(ref _count);
                batch.Add(payload);
            }

            if (batch.Count == 0)
            {
                return true;
            }

            try
            {
                var command = _dataSource.CreateCommand(_sql);
                await using (command.ConfigureAwait(false))
                {
                    command.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = _channel });
                    command.Parameters.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = batch.ToArray() });
                    await command.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                // Lost: every cache flushes at the next send that gets through.
                Volatile.Write(ref _lost, 1);
                _failed(ex);
                return false;
            }
        }
    }
}
