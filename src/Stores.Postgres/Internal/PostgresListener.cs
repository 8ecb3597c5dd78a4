using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace SessionStores.Postgres.Internal;

/// <summary>
/// One <c>LISTEN</c>ing connection of a store: taken from the store's data source for connections with session state
/// (unpooled when the store built its own, see <see cref="PostgresDataSources"/>, so no pooled connection keeps a
/// <c>LISTEN</c>) when started and kept until stopped, it <c>LISTEN</c>s on one channel and waits for notifications. A broken connection is
/// replaced with a growing, jittered backoff; after every (re)connect <c>listening</c> is called, once the
/// <c>LISTEN</c> is in place (what was notified while nobody listened is lost, so the caller re-checks then). An idle
/// connection is probed every <c>probe</c>, so a connection the network silently dropped is noticed within a probe and
/// its timeout. Used for lease releases (<see cref="PostgresSessionStore"/> leases) and near-cache invalidations.
/// </summary>
/// <remarks>
/// The wait for notifications is never cancelled: it runs in slices of <see cref="StopCheck"/> that end by themselves,
/// and the loop looks at the stop token between them. A cancelled <c>WaitAsync</c> can leave the connection in its
/// <c>Waiting</c> state, so that its disposal throws and the connection, with its <c>LISTEN</c>, is left to the garbage
/// collector; this way a stop closes it for real, within a slice.
/// </remarks>
internal sealed class PostgresListener
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastBackoff = TimeSpan.FromSeconds(10);

    // The most a stop waits for the loop to notice it (the length of one wait for notifications).
    private static readonly TimeSpan StopCheck = TimeSpan.FromMilliseconds(200);

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _listen;
    private readonly TimeSpan _probe;
    private readonly Action _listening;
    private readonly Action<string> _notified;
    private readonly Action<TimeSpan, Exception> _failed;
    private readonly CancellationToken _stopping;
    private Task? _running;

    // failed is told of a broken or failed connection, with the backoff before the next try.
    public PostgresListener(
        NpgsqlDataSource dataSource, string listen, TimeSpan probe, Action listening, Action<string> notified, Action<TimeSpan, Exception> failed, CancellationToken stopping)
    {
        _dataSource = dataSource;
        _listen = listen;
        _probe = probe;
        _listening = listening;
        _notified = notified;
        _failed = failed;
        _stopping = stopping;
    }

    /// <summary>The listening loop, once started; it ends when stopped.</summary>
    public Task? Running => Volatile.Read(ref _running);

    /// <summary>Starts listening, once.</summary>
    public void EnsureStarted()
    {
        if (Volatile.Read(ref _running) is null)
        {
            var loop = new Task<Task>(RunAsync);
            if (Interlocked.CompareExchange(ref _running, loop.Unwrap(), null) is null)
            {
                loop.Start(TaskScheduler.Default);
            }
        }
    }

    private async Task RunAsync()
    {
        var backoff = FirstBackoff;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var connection = await _dataSource.OpenConnectionAsync(_stopping).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += OnNotification;
                    await ExecuteAsync(connection, _listen).ConfigureAwait(false);
                    backoff = FirstBackoff;
                    _listening();
                    var heard = Stopwatch.GetTimestamp();
                    while (!_stopping.IsCancellationRequested)
                    {
                        if (await connection.WaitAsync(_probe < StopCheck ? _probe : StopCheck).ConfigureAwait(false))
                        {
                            heard = Stopwatch.GetTimestamp();
                        }
                        else if (Stopwatch.GetElapsedTime(heard) >= _probe)
                        {
                            await ExecuteAsync(connection, "SELECT 1").ConfigureAwait(false);
                            heard = Stopwatch.GetTimestamp();
                        }
                    }
                }

                // Stopped: the connection was closed on leaving the block above.
                return;
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _failed(backoff, ex);
                try
                {
                    await Task.Delay(backoff * (0.75 + (Random.Shared.NextDouble() * 0.5)), _stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = backoff * 2 < LastBackoff ? backoff * 2 : LastBackoff;
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e) => _notified(e.Payload);

    private async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        // A probe that takes longer than the probe interval (1 to 15 s) means the connection is gone.
        var command = new NpgsqlCommand(sql, connection) { CommandTimeout = Math.Clamp((int)Math.Ceiling(_probe.TotalSeconds), 1, 15) };
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(_stopping).ConfigureAwait(false);
        }
    }
}
