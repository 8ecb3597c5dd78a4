using System;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Memcached.Internal;

/// <summary>
/// One memcached server: a few pooled, pipelined connections (each opened on first use and again after it closed), and
/// whether the server is dead. A key always takes the same connection, chosen by its hash: memcached runs one
/// connection's requests in order, so the requests about one session run in the order they were sent, even when an
/// earlier one was abandoned at its deadline on a stalled server and runs late. A server is dead for the retry
/// interval after a connection to it was refused or not accepted within the connect timeout; the client sends its keys
/// to the next live server meanwhile, and the first request due to it after the interval tries it again.
/// </summary>
internal sealed class MemcachedServer : IAsyncDisposable, IDisposable
{
    private readonly DnsEndPoint _endPoint;
    private readonly MemcachedClientSettings _settings;
    private readonly MemcachedConnection?[] _connections;
    private readonly SemaphoreSlim[] _opening;

    // Environment.TickCount64 until which the server is dead; 0 while it is alive.
    private long _deadUntil;

    public MemcachedServer(DnsEndPoint endPoint, MemcachedClientSettings settings)
    {
        _endPoint = endPoint;
        _settings = settings;
        Name = endPoint.Host + ":" + endPoint.Port.ToString(CultureInfo.InvariantCulture);
        _connections = new MemcachedConnection?[settings.ConnectionsPerServer];
        _opening = new SemaphoreSlim[settings.ConnectionsPerServer];
        for (var i = 0; i < _opening.Length; i++)
        {
            _opening[i] = new SemaphoreSlim(1, 1);
        }
    }

    /// <summary><c>host:port</c>, as given: its place on the ring and its name in logs.</summary>
    public string Name { get; }

    /// <summary>Whether requests may go to the server: it is alive, or its retry interval is over.</summary>
    public bool IsUsable => Volatile.Read(ref _deadUntil) <= Environment.TickCount64;

    /// <summary>Sends a request on the pooled connection of <paramref name="keyHash"/>.</summary>
    /// <param name="keyHash">The hash of the request's key (<see cref="MemcachedRing{TServer}.Hash"/>).</param>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Abandons the request (it stays queued on its connection).</param>
    /// <exception cref="MemcachedServerUnreachableException">The server cannot be connected to; it is now dead.</exception>
    /// <exception cref="MemcachedException">The request failed on a connection that broke, or the server answered an error.</exception>
    public async Task<MemcachedReply> SendAsync(uint keyHash, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        var slot = (int)(keyHash % (uint)_connections.Length);
        var (connection, reused) = await ConnectionAsync(slot, cancellationToken).ConfigureAwait(false);
        try
        {
            return await connection.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (MemcachedException ex) when (ex.IsTransient && reused && !cancellationToken.IsCancellationRequested)
        {
            // A pooled connection that broke under the request (a restarted or killed server): a fresh connection tells
            // which. Refused, the server is dead and the unreachable exception lets the client route elsewhere; accepted,
            // the request's fate is unknown, so it fails rather than run twice.
            await ConnectionAsync(slot, cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < _connections.Length; i++)
        {
            await _opening[i].WaitAsync().ConfigureAwait(false);
            try
            {
                if (_connections[i] is { } connection)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                _opening[i].Release();
            }
        }
    }

    /// <summary>Closes the connections without waiting for their readers.</summary>
    public void Dispose()
    {
        foreach (var connection in _connections)
        {
            connection?.Dispose();
        }
    }

    private async ValueTask<(MemcachedConnection Connection, bool Reused)> ConnectionAsync(int slot, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _connections[slot]) is { IsClosed: false } open)
        {
            return (open, true);
        }

        await _opening[slot].WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connections[slot] is { } existing)
            {
                if (!existing.IsClosed)
                {
                    return (existing, true);
                }

                await existing.DisposeAsync().ConfigureAwait(false);
                _connections[slot] = null;
            }

            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _connections[slot], connection);
            return (connection, false);
        }
        finally
        {
            _opening[slot].Release();
        }
    }

    private async Task<MemcachedConnection> OpenAsync(CancellationToken cancellationToken)
    {
        using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connectTimeout.CancelAfter(_settings.ConnectTimeout);
        MemcachedConnection connection;
        try
        {
            connection = await MemcachedConnection.OpenAsync(_endPoint, connectTimeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested &&
            (ex is SocketException or IOException or OperationCanceledException || ex is MemcachedException { IsTransient: true }))
        {
            var reason = ex is OperationCanceledException
                ? new TimeoutException($"No connection within {_settings.ConnectTimeout.TotalMilliseconds:0} ms (MemcachedSessionStoreOptions.ConnectTimeout).", ex)
                : ex;
            var wasAlive = Interlocked.Exchange(ref _deadUntil, Environment.TickCount64 + (long)_settings.DeadServerRetryInterval.TotalMilliseconds) == 0;
            _settings.ServerDown(Name, wasAlive, reason);
            throw new MemcachedServerUnreachableException($"Memcached server {Name} is unreachable: {reason.Message}", reason);
        }

        if (Interlocked.Exchange(ref _deadUntil, 0) != 0)
        {
            _settings.ServerUp(Name);
        }

        return connection;
    }
}

/// <summary>How the client connects, and whom it tells when a server goes down or comes back.</summary>
/// <param name="ConnectionsPerServer">Pooled connections per server.</param>
/// <param name="ConnectTimeout">How long a connection may take before its server counts as dead.</param>
/// <param name="DeadServerRetryInterval">How long a dead server is passed over before it is tried again.</param>
/// <param name="ServerDown">Told the server's name, whether it was alive until now, and why it is dead.</param>
/// <param name="ServerUp">Told the name of a dead server that accepted a connection again.</param>
internal sealed record MemcachedClientSettings(
    int ConnectionsPerServer,
    TimeSpan ConnectTimeout,
    TimeSpan DeadServerRetryInterval,
    Action<string, bool, Exception> ServerDown,
    Action<string> ServerUp);
