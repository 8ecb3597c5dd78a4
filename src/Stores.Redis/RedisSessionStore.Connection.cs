using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Redis.Internal;
using StackExchange.Redis;

namespace SessionStores.Redis;

public sealed partial class RedisSessionStore
{
    /// <summary>
    /// The slow path of the first operation: connect once (shared by concurrent callers; a failed attempt is forgotten so
    /// the next operation tries again). The caller's token abandons the wait, not the connection attempt.
    /// </summary>
    private async ValueTask<IDatabase> ConnectAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Task<IDatabase> connecting;
        lock (_connectGate)
        {
            connecting = _connecting ??= ConnectCoreAsync();
        }

        try
        {
            return await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!connecting.IsCompleted)
        {
            // The attempt goes on for the next operation, which awaits it; should it fail before one comes,
            // ConnectCoreAsync has logged the failure: it is observed here, not left unobserved.
            _ = connecting.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
        catch (Exception) when (connecting.IsFaulted)
        {
            lock (_connectGate)
            {
                if (ReferenceEquals(_connecting, connecting))
                {
                    _connecting = null;
                }
            }

            throw;
        }
    }

    private async Task<IDatabase> ConnectCoreAsync()
    {
        var connection = _connection;
        if (connection is null)
        {
            try
            {
                connection = await ConnectionMultiplexer.ConnectAsync(_ownedConfiguration!).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.ConnectFailed(_logger, ex);
                throw;
            }
        }

        lock (_connectGate)
        {
            if (!_disposed)
            {
                _connection = connection;
                _countsListeners = CountsListeners(connection);
                var db = connection.GetDatabase(_database);
                _db = db;
                return db;
            }
        }

        // Disposed while connecting: the connection this store opened must not live on, reconnecting in the background.
        if (_ownedConfiguration is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        throw new ObjectDisposedException(GetType().FullName);
    }

    /// <summary>The database, connecting first on the store's first use.</summary>
    // Every script a session or lease operation runs goes through here, under that operation's deadline: a NOSCRIPT
    // answer arriving after the caller gave up is not followed by the EVAL (see RedisScript.EvaluateAsync).
    private Task<RedisResult> EvaluateAsync(RedisScript script, IDatabaseAsync db, RedisKey[] keys, RedisValue[] values, CancellationToken cancellationToken) =>
        script.EvaluateAsync(db, keys, values, cancellationToken, _runner.OperationTimeout);

    private ValueTask<IDatabase> DatabaseAsync(CancellationToken cancellationToken) =>
        _db is { } db ? ValueTask.FromResult(db) : ConnectAsync(cancellationToken);

    /// <summary>The primaries to scan; a disconnected one would make the result incomplete, so it fails the operation.</summary>
    private List<IServer> Primaries()
    {
        var primaries = new List<IServer>();
        foreach (var server in _connection!.GetServers())
        {
            if (server.IsReplica)
            {
                continue;
            }

            if (!server.IsConnected)
            {
                // Checked before scanning, so that no listing silently misses a node's sessions; the driver's kind of
                // error for it, which the runner maps as it maps every connection loss.
                throw new RedisConnectionException(
                    ConnectionFailureType.UnableToConnect, CommandFlags.None, $"Every Redis primary is needed, but {server.EndPoint} is not connected.");
            }

            primaries.Add(server);
        }

        return primaries;
    }
}
