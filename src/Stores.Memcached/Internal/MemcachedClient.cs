using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Memcached.Internal;

/// <summary>
/// The small meta-protocol client the store runs on: a list of servers on a ketama ring (<see cref="MemcachedRing{TServer}"/>),
/// each with pooled, pipelined connections (<see cref="MemcachedServer"/>). A key goes to its server; while that
/// server is dead, to the next live server on the ring (where the key is absent: memcached is a cache, and a dead
/// server's items are gone). Only when no server is live does a request fail, as a transient
/// <see cref="MemcachedException"/>.
/// </summary>
internal sealed class MemcachedClient : IAsyncDisposable, IDisposable
{
    private readonly MemcachedServer[] _servers;
    private readonly MemcachedRing<MemcachedServer> _ring;

    public MemcachedClient(IReadOnlyList<DnsEndPoint> endPoints, MemcachedClientSettings settings)
    {
        ArgumentNullException.ThrowIfNull(endPoints);
        _servers = [.. endPoints.Select(e => new MemcachedServer(e, settings))];
        _ring = new MemcachedRing<MemcachedServer>([.. _servers.Select(s => (s.Name, s))]);
    }

    /// <summary>The servers, in the order given.</summary>
    public IReadOnlyList<MemcachedServer> Servers => _servers;

    /// <summary>The server <paramref name="key"/> goes to now (its own, or the next live one while its own is dead).</summary>
    public MemcachedServer ServerFor(string key) => _ring.Route(MemcachedRing<MemcachedServer>.Hash(key), static s => s.IsUsable);

    /// <summary>Sends a request about <paramref name="key"/> to the server it goes to.</summary>
    /// <exception cref="MemcachedException">No server is reachable, a connection broke under the request, or the server
    /// answered with an error.</exception>
    public async Task<MemcachedReply> SendAsync(string key, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        var hash = MemcachedRing<MemcachedServer>.Hash(key);

        // Each failed attempt marks a server dead, so this ends after at most one attempt per server.
        for (var attempt = 1; ; attempt++)
        {
            var server = _ring.Route(hash, static s => s.IsUsable);
            try
            {
                return await server.SendAsync(hash, request, cancellationToken).ConfigureAwait(false);
            }
            catch (MemcachedServerUnreachableException ex)
            {
                if (attempt >= _servers.Length || !_servers.Any(static s => s.IsUsable))
                {
                    throw new MemcachedException(
                        _servers.Length == 1 ? ex.Message : $"No Memcached server is reachable; the last tried: {ex.Message}", isTransient: true, ex.InnerException!);
                }
            }
        }
    }

    /// <summary>Closes every connection without waiting for their readers.</summary>
    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
