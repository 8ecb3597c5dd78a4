using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Redis.Tests;

/// <summary>
/// A loopback TCP relay in front of a real Redis node, so that a test can make that node unreachable at first
/// (<see cref="Create"/> binds the port without listening: connections are refused) and reachable later
/// (<see cref="Start"/>), or silent (<see cref="BlackHole"/>: connections stay open, nothing is relayed any more).
/// </summary>
public sealed class TcpForwarder : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private volatile bool _blackHole;
    private Task _acceptLoop = Task.CompletedTask;

    private TcpForwarder(Socket listener, IPEndPoint target)
    {
        _listener = listener;
        _target = target;
    }

    /// <summary>The port the forwarder owns on 127.0.0.1.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>Binds a free loopback port for <paramref name="target"/>; it refuses connections until <see cref="Start"/>.</summary>
    public static TcpForwarder Create(IPEndPoint target)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return new TcpForwarder(listener, target);
    }

    /// <summary>Starts accepting and relaying connections.</summary>
    public void Start()
    {
        _listener.Listen(16);
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>From now on, nothing is relayed in either direction; connections stay open.</summary>
    public void BlackHole() => _blackHole = true;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        lock (_sockets)
        {
            _sockets.ForEach(s => s.Dispose());
        }

        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptAsync(_stop.Token);
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            lock (_sockets)
            {
                _sockets.Add(client);
                _sockets.Add(server);
            }

            await server.ConnectAsync(_target, _stop.Token);
            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (!_blackHole)
                {
                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The relay or one of its ends closed.
        }
    }
}
