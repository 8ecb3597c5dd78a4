using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace SessionStores.Postgres.Internal;

/// <summary>
/// Wakes the lease waiters of one store from PostgreSQL notifications: one connection, taken from the store's data source
/// on the first wait and kept (never returned to the pool) until the store is disposed, <c>LISTEN</c>s on the lease
/// channel and waits for notifications. A broken connection is replaced with a growing, jittered backoff; after every
/// (re)connect all waiters re-check, because a release notified while nobody listened is lost. An idle connection is
/// probed every 30 s, so a connection the network silently dropped is noticed.
/// </summary>
internal sealed class PostgresLeaseListener
{
    private static readonly TimeSpan IdleProbe = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastBackoff = TimeSpan.FromSeconds(10);

    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresCommands _commands;
    private readonly SessionLeaseWaiters _waiters;
    private readonly Action<TimeSpan, Exception> _listenFailed;
    private readonly CancellationToken _stopping;
    private Task? _running;

    // listenFailed logs a failed connection (in the store's log) with the backoff before the next try.
    public PostgresLeaseListener(
        NpgsqlDataSource dataSource, PostgresCommands commands, SessionLeaseWaiters waiters, Action<TimeSpan, Exception> listenFailed, CancellationToken stopping)
    {
        _dataSource = dataSource;
        _commands = commands;
        _waiters = waiters;
        _listenFailed = listenFailed;
        _stopping = stopping;
    }

    /// <summary>The listening loop, once started; it ends when the store is disposed.</summary>
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
                    await ExecuteAsync(connection, _commands.ListenForLeases).ConfigureAwait(false);
                    backoff = FirstBackoff;
                    _waiters.WakeAll();
                    while (true)
                    {
                        if (!await connection.WaitAsync(IdleProbe, _stopping).ConfigureAwait(false))
                        {
                            await ExecuteAsync(connection, "SELECT 1").ConfigureAwait(false);
                        }
                    }
                }
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _listenFailed(backoff, ex);

                // Releases may be missed until the next LISTEN: waiters fall back on their own re-checks meanwhile.
                _waiters.WakeAll();
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

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e) => _waiters.Wake(e.Payload);

    private async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 15 };
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(_stopping).ConfigureAwait(false);
        }
    }
}
