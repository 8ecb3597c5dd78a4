using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionStores.Redis.Internal;

/// <summary>
/// One subscription to the store's invalidation channel, delivered in order to one near cache, with a heartbeat that
/// proves the whole path: every <see cref="HeartbeatInterval"/> it publishes a heartbeat through each primary, and the
/// feed is live only while every primary's last heartbeat came back within <see cref="HeartbeatTimeout"/> (a cluster
/// forwards each PUBLISH to every node, so this also checks the links between nodes). A failed connection or a
/// topology change makes it lost at once; it is live again once every primary's heartbeat came back after that.
/// </summary>
/// <remarks>Each loss starts a new epoch, which every heartbeat carries: only a heartbeat published after the loss
/// restores the feed, never one published before it and delivered late (the subscription that carried it may be gone).
/// The listener hears of losses and restorations one at a time, in the order they happened.</remarks>
internal sealed class RedisInvalidationFeed : IAsyncDisposable, IDisposable
{
    public const string AllChanged = "*";

    private const string HeartbeatPrefix = "hb:";

    private static ReadOnlySpan<byte> AllChangedUtf8 => "*"u8;

    private static ReadOnlySpan<byte> HeartbeatPrefixUtf8 => "hb:"u8;

    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(3);

    private readonly IConnectionMultiplexer _connection;
    private readonly RedisKeys _keys;
    private readonly ISessionInvalidationListener _listener;
    private readonly string _heartbeat = HeartbeatPrefix + Guid.NewGuid().ToString("N") + ":";
    // Per primary: when its last heartbeat came back, and the newest epoch one came back in.
    private readonly Dictionary<string, (long Seen, long Epoch)> _heartbeatSeen = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private ChannelMessageQueue? _queue;
    private RedisChannel? _ownChannel;
    private Task _heartbeats = Task.CompletedTask;
    private long _epoch;
    private bool _live;

    private RedisInvalidationFeed(IConnectionMultiplexer connection, RedisKeys keys, ISessionInvalidationListener listener)
    {
        _connection = connection;
        _keys = keys;
        _listener = listener;
    }

    /// <summary>Whether every primary's heartbeat came back since the feed was last lost: the shared channel is
    /// subscribed (and so is the own channel, on the same connection).</summary>
    public bool IsLive => Volatile.Read(ref _live);

    // ownChannel: a channel only this feed subscribes to, on the subscription connection of the shared channel (see
    // RedisCommands.Announcements), or null.
    public static async Task<RedisInvalidationFeed> StartAsync(
        IConnectionMultiplexer connection, RedisKeys keys, ISessionInvalidationListener listener, RedisChannel? ownChannel, CancellationToken cancellationToken)
    {
        var feed = new RedisInvalidationFeed(connection, keys, listener);
        var subscriber = connection.GetSubscriber();
        var queue = await subscriber.SubscribeAsync(keys.Invalidations).WaitAsync(cancellationToken).ConfigureAwait(false);
        feed._queue = queue;
        queue.OnMessage(feed.OnMessage);
        if (ownChannel is { } own)
        {
            // Subscribed after the shared channel, and only counted by writers while the feed is live (which proves the
            // shared subscription): on a reconnect the driver may subscribe the two in either order.
            feed._ownChannel = own;
            await subscriber.SubscribeAsync(own, static (_, _) => { }).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        connection.ConnectionFailed += feed.OnConnectionFailed;
        connection.ConfigurationChanged += feed.OnTopologyChanged;
        feed._heartbeats = feed.BeatAsync(feed._stopping.Token);
        return feed;
    }

    // Parsed from the bytes as received, without decoding the message: every write's announcement arrives here, this
    // process's own writes included, so the common case allocates only the id it hands on.
    private void OnMessage(ChannelMessage message)
    {
        var text = ((ReadOnlyMemory<byte>)message.Message).Span;
        if (text.SequenceEqual(AllChangedUtf8))
        {
            _listener.OnAllChanged();
        }
        else if (text.StartsWith(HeartbeatPrefixUtf8))
        {
            if ((string?)message.Message is { } heartbeat && heartbeat.StartsWith(_heartbeat, StringComparison.Ordinal))
            {
                HeartbeatSeen(heartbeat[_heartbeat.Length..]);
            }
        }
        else if (text.LastIndexOf((byte)':') is var colon and > 0
            && long.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            && _keys.TryGetSessionId(text[..colon]) is { } id)
        {
            _listener.OnChanged(id, version);
        }
    }

    // "<epoch>:<endpoint>" (an endpoint may itself contain colons).
    private void HeartbeatSeen(string beat)
    {
        if (beat.IndexOf(':', StringComparison.Ordinal) is not (> 0 and var colon)
            || !long.TryParse(beat.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
        {
            return;
        }

        var endpoint = beat[(colon + 1)..];
        lock (_gate)
        {
            var newest = _heartbeatSeen.TryGetValue(endpoint, out var known) ? Math.Max(known.Epoch, epoch) : epoch;
            _heartbeatSeen[endpoint] = (Environment.TickCount64, newest);
            if (!_live && AllPrimaries(out var primaries) && primaries.TrueForAll(p => _heartbeatSeen.TryGetValue(p, out var seen) && seen.Epoch == _epoch))
            {
                _live = true;
                _listener.OnFeedRestored();
            }
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) =>
        Lose($"the connection to {e.EndPoint} failed ({e.FailureType})", e.Exception);

    private void OnTopologyChanged(object? sender, EndPointEventArgs e) => Lose($"the configuration of {e.EndPoint} changed", null);

    private void Lose(string reason, Exception? exception)
    {
        lock (_gate)
        {
            _epoch++;
            if (!_live)
            {
                return;
            }

            _live = false;
            _listener.OnFeedLost(reason, exception);
        }
    }

    /// <summary>Publishes a heartbeat through each primary every interval, and loses the feed when one stays away.</summary>
    private async Task BeatAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(HeartbeatInterval);
        var started = Environment.TickCount64;
        do
        {
            if (!AllPrimaries(out var primaries))
            {
                Lose("a Redis primary is not connected", null);
                continue;
            }

            var now = Environment.TickCount64;
            string? missing;
            lock (_gate)
            {
                missing = now - started < HeartbeatTimeout.TotalMilliseconds
                    ? null
                    : primaries.Find(p => !_heartbeatSeen.TryGetValue(p, out var seen) || now - seen.Seen > HeartbeatTimeout.TotalMilliseconds);
            }

            if (missing is not null)
            {
                Lose($"no heartbeat came back through {missing} for {HeartbeatTimeout.TotalSeconds:0} s", null);
            }

            long epoch;
            lock (_gate)
            {
                epoch = _epoch;
            }

            foreach (var server in Servers())
            {
                // Sent to that primary itself, so the message travels the path its sessions' announcements take.
                var beat = string.Create(CultureInfo.InvariantCulture, $"{_heartbeat}{epoch}:{server.EndPoint}");
                _ = server.ExecuteAsync("PUBLISH", [_keys.InvalidationsName, beat], CommandFlags.FireAndForget);
            }
        }
        while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
    }

    private IEnumerable<IServer> Servers()
    {
        foreach (var server in _connection.GetServers())
        {
            if (!server.IsReplica && server.IsConnected)
            {
                yield return server;
            }
        }
    }

    private bool AllPrimaries(out List<string> primaries)
    {
        primaries = [];
        foreach (var server in _connection.GetServers())
        {
            if (server.IsReplica)
            {
                continue;
            }

            if (!server.IsConnected)
            {
                return false;
            }

            primaries.Add(server.EndPoint.ToString()!);
        }

        return primaries.Count > 0;
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        try
        {
            await _heartbeats.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        if (_ownChannel is { } own)
        {
            await _connection.GetSubscriber().UnsubscribeAsync(own).ConfigureAwait(false);
        }

        if (_queue is { } queue)
        {
            await queue.UnsubscribeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    public void Dispose()
    {
        Stop();
        if (_ownChannel is { } own)
        {
            _connection.GetSubscriber().Unsubscribe(own, flags: CommandFlags.FireAndForget);
        }

        _queue?.Unsubscribe(CommandFlags.FireAndForget);
    }

    /// <summary>Tests: what this feed's heartbeats start with, its heartbeats stopped, and a loss made now.</summary>
    internal string HeartbeatPrefixForTests => _heartbeat;

    internal void StopHeartbeatsForTests() => _stopping.Cancel();

    internal void LoseForTests(string reason) => Lose(reason, null);

    private void Stop()
    {
        _connection.ConnectionFailed -= OnConnectionFailed;
        _connection.ConfigurationChanged -= OnTopologyChanged;
        _stopping.Cancel();
    }
}
