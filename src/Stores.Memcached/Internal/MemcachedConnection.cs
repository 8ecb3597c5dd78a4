using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Memcached.Internal;

/// <summary>
/// One TCP connection speaking the meta text protocol, pipelined: requests are written one after another under a
/// lock, each leaves its slot in a FIFO, and one reader matches the replies to the slots in order (memcached answers
/// a connection's requests in the order it received them, one reply each, as no request here is quiet).
/// </summary>
/// <remarks>
/// <para>A request abandoned by its caller (deadline or cancellation) once it is written keeps its place in the FIFO:
/// its reply, when it comes, is read and dropped, so the stream stays in step and the connection stays open. Closing it
/// instead would not unsend the request: a stalled server still runs what it had received, possibly after a later
/// request on another connection (a session read before the abandoned write of the same session lands, then a
/// compare-and-set that fails for no concurrent reason). Kept, the connection runs its requests in the order written.</para>
/// <para>A connection is closed, never reused, when anything leaves it in doubt: a failed or partial write, a reply
/// nobody asked for, an error line after which the server's position in the stream is unknown, or the server closing
/// it. Closing fails every request still waiting on it.</para>
/// </remarks>
internal sealed class MemcachedConnection : IAsyncDisposable, IDisposable
{
    private const int MaxLineLength = 8 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Queue<TaskCompletionSource<MemcachedReply>> _pending = new();
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;
    private Exception? _closed;
    private Task _reader = Task.CompletedTask;

    private MemcachedConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Whether the connection is closed (it is then never used again).</summary>
    public bool IsClosed => Volatile.Read(ref _closed) is not null;

    /// <summary>Connects and checks with <c>mn</c> that the server speaks the meta protocol (memcached 1.6 or later).</summary>
    public static async Task<MemcachedConnection> OpenAsync(DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new MemcachedConnection(socket);
        connection._reader = connection.ReadLoopAsync();
        try
        {
            var reply = await connection.SendAsync("mn\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            if (reply.Status != MemcachedStatus.NoOp)
            {
                throw new MemcachedException($"Memcached at {endPoint.Host}:{endPoint.Port} did not answer the meta no-op (mn) with MN: it needs memcached 1.6 or later.", isTransient: false);
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return connection;
    }

    /// <summary>Sends one request (its command line and, for <c>ms</c>, its data, each ending in CRLF) and waits for its reply.</summary>
    /// <exception cref="MemcachedException">The connection is or became closed, or the server answered with an error.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired; the connection is closed
    /// only if the request was not completely written.</exception>
    public async Task<MemcachedReply> SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        var reply = new TaskCompletionSource<MemcachedReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_pending)
            {
                if (_closed is not null)
                {
                    throw new MemcachedException("The Memcached connection is closed.", isTransient: true, _closed);
                }

                _pending.Enqueue(reply);
            }

            await _stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A write that did not complete may have left half a request on the wire: the stream cannot be trusted.
            Close(new MemcachedException("Sending to Memcached failed.", isTransient: true, ex));
        }
        finally
        {
            _writeLock.Release();
        }

        // Abandoned now, the request stays queued: the reader takes its reply off the stream in turn and drops it.
        return await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the connection and waits for its reader to end.</summary>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        await _reader.ConfigureAwait(false);
    }

    /// <summary>Closes the connection; its reader ends by itself.</summary>
    public void Dispose() => Close(new MemcachedException("The Memcached client was disposed.", isTransient: false));

    private void Close(Exception reason)
    {
        TaskCompletionSource<MemcachedReply>[] waiting;
        lock (_pending)
        {
            if (_closed is not null)
            {
                return;
            }

            _closed = reason;
            waiting = [.. _pending];
            _pending.Clear();
        }

        _stream.Dispose();
        foreach (var reply in waiting)
        {
            reply.TrySetException(reason);
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var line = await ReadLineAsync().ConfigureAwait(false);
                var parsed = MemcachedReply.Parse(line, out var valueLength, out var error);
                byte[]? value = null;
                if (valueLength >= 0)
                {
                    value = new byte[valueLength];
                    await ReadExactlyAsync(value).ConfigureAwait(false);
                    var end = new byte[2];
                    await ReadExactlyAsync(end).ConfigureAwait(false);
                    if (end[0] != '\r' || end[1] != '\n')
                    {
                        throw new MemcachedException("Memcached sent a value without its CRLF.", isTransient: false);
                    }
                }

                TaskCompletionSource<MemcachedReply>? next;
                lock (_pending)
                {
                    if (!_pending.TryDequeue(out next))
                    {
                        throw new MemcachedException("Memcached sent a reply nobody asked for.", isTransient: false);
                    }
                }

                if (parsed is { } reply)
                {
                    next.TrySetResult(reply with { Value = value });
                    continue;
                }

                // The error text comes from the server; it never echoes a key, but it could hold control characters.
                next.TrySetException(new MemcachedException(
                    "Memcached answered: " + SessionValidation.EscapeControlCharacters(error!), isTransient: false));

                // SERVER_ERROR replies (an item too large) leave the stream in step; ERROR and CLIENT_ERROR may not.
                if (!error!.StartsWith("SERVER_ERROR", StringComparison.Ordinal))
                {
                    throw new MemcachedException("Memcached rejected a request; the connection is closed.", isTransient: false);
                }
            }
        }
        catch (Exception ex)
        {
            Close(ex is MemcachedException ? ex : new MemcachedException("The Memcached connection was lost.", isTransient: true, ex));
        }
    }

    private async ValueTask<string> ReadLineAsync()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }

        var scanned = _start;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', scanned, _end - scanned);
            if (newline >= 0)
            {
                var length = newline - _start;
                var line = Encoding.ASCII.GetString(_buffer, _start, length > 0 && _buffer[newline - 1] == '\r' ? length - 1 : length);
                _start = newline + 1;
                return line;
            }

            if (_end - _start >= MaxLineLength)
            {
                throw new MemcachedException("Memcached sent a reply line that is too long.", isTransient: false);
            }

            scanned = _end;
            if (_end == _buffer.Length)
            {
                scanned -= _start;
                Compact();
            }

            await FillAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask ReadExactlyAsync(Memory<byte> destination)
    {
        var buffered = Math.Min(destination.Length, _end - _start);
        _buffer.AsMemory(_start, buffered).CopyTo(destination);
        _start += buffered;
        if (buffered < destination.Length)
        {
            // Large values go straight from the socket to their array.
            await _stream.ReadExactlyAsync(destination[buffered..]).ConfigureAwait(false);
        }
    }

    private void Compact()
    {
        Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
        _end -= _start;
        _start = 0;
    }

    private async ValueTask FillAsync()
    {
        var read = await _stream.ReadAsync(_buffer.AsMemory(_end)).ConfigureAwait(false);
        if (read == 0)
        {
            throw new MemcachedException("Memcached closed the connection.", isTransient: true);
        }

        _end += read;
    }
}
