using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SessionStores.Memcached.Internal;

namespace SessionStores.Memcached;

/// <summary>
/// A session store in Memcached (1.6 or later), on a small built-in client of its meta text protocol.
/// </summary>
/// <remarks>
/// <para>One item per session (see the format in <c>Internal/MemcachedCodec.cs</c>): the version and creation time in a
/// small header before the data, the expiry kept by memcached. Compare-and-set is memcached's CAS token; a touch moves
/// the expiry without rewriting data. Round trips: Get, GetAndTouch and Destroy one; Touch two (the format check, then
/// the touch); Set two (read the version, then write over exactly what was read).</para>
/// <para>What memcached cannot do, this store declares rather than imitates. Expiry has whole-second resolution: a
/// TTL is rounded up to whole seconds, plus one for memcached's once-a-second clock, so a session never expires early
/// and may outlive its TTL by up to two seconds. <see cref="ListAsync"/>, <see cref="CountAsync"/> and
/// <see cref="DestroyManyAsync"/> throw <see cref="NotSupportedException"/>: memcached cannot enumerate keys. No
/// leases (<see cref="ISessionLeaseStore"/>): an evicted lease item would let two holders in.</para>
/// <para>Memcached is a cache: a server that restarts or dies loses its sessions, and under memory pressure it evicts
/// sessions before they expire. A dead server is passed over for
/// <see cref="MemcachedSessionStoreOptions.DeadServerRetryInterval"/>, so its sessions are absent (new ones start on
/// the next live server) instead of every request waiting for it; only when no server is reachable do operations fail.</para>
/// <para>The generated store's schema and pruning partials are gone: memcached needs no schema and expires items
/// itself.</para>
/// </remarks>
public sealed partial class MemcachedSessionStore : ISessionStore, IAsyncDisposable, IDisposable
{
    private static readonly MemcachedSessionStoreOptionsValidator Validator = new();

    private readonly ILogger _logger;
    private readonly SessionStoreOperationRunner _runner;
    private readonly MemcachedCommands _commands;
    private readonly MemcachedClient _client;
    private readonly int _maxDataBytes;
    private readonly int _maxItemBytes;
    private int _disposed;

    /// <summary>Creates a store. Nothing is sent to Memcached before the first operation.</summary>
    /// <param name="options">The options.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names every invalid one.</exception>
    public MemcachedSessionStore(MemcachedSessionStoreOptions options, ILogger<MemcachedSessionStore>? logger = null)
    {
        Validator.ThrowIfInvalid(options, nameof(options));
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _runner = new SessionStoreOperationRunner(MemcachedBackend.Instance, options.OperationTimeout, _logger);
        _commands = new MemcachedCommands(options.KeyPrefix);
        _maxDataBytes = options.MaxDataBytes;
        _maxItemBytes = options.MaxItemBytes;
        MemcachedServerList.TryParse(options.ConnectionString, out var servers, out _);
        var retryInterval = options.DeadServerRetryInterval;
        var logger_ = _logger;
        _client = new MemcachedClient(servers, new MemcachedClientSettings(
            options.ConnectionsPerServer,
            options.ConnectTimeout,
            retryInterval,
            (server, wasAlive, reason) =>
            {
                if (wasAlive)
                {
                    Log.ServerDown(logger_, server, retryInterval, reason);
                }
                else
                {
                    Log.ServerStillDown(logger_, server, retryInterval, reason);
                }
            },
            server => Log.ServerUp(logger_, server)));
    }

    /// <summary>The client, for this store's own tests (which server a session is on).</summary>
    internal MemcachedClient Client => _client;

    /// <summary>The key of a session, for this store's own tests.</summary>
    internal string KeyOf(string id) => _commands.Key(id);

    /// <inheritdoc />
    public Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return _runner.RunAsync(SessionStoreOperationNames.Get, (Store: this, Id: id), static (s, ct) => s.Store.GetCoreAsync(s.Id, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        return _runner.RunAsync(
            SessionStoreOperationNames.GetAndTouch, (Store: this, Id: id, Ttl: ttl), static (s, ct) => s.Store.GetAndTouchCoreAsync(s.Id, s.Ttl, ct), cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">Also when the stored item would exceed
    /// <see cref="MemcachedSessionStoreOptions.MaxItemBytes"/> (the servers' <c>-I</c>).</exception>
    public Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateWrite(write, _maxDataBytes);
        ValidateItemSize(id, write);
        return _runner.RunAsync(
            SessionStoreOperationNames.Set, (Store: this, Id: id, Write: write), static (s, ct) => s.Store.SetCoreAsync(s.Id, s.Write, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        return _runner.RunAsync(
            SessionStoreOperationNames.Touch, (Store: this, Id: id, Ttl: ttl), static (s, ct) => s.Store.TouchCoreAsync(s.Id, s.Ttl, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return _runner.RunAsync(SessionStoreOperationNames.Destroy, (Store: this, Id: id), static (s, ct) => s.Store.DestroyCoreAsync(s.Id, ct), cancellationToken);
    }

    /// <summary>Closes the connections; requests still waiting on them fail.</summary>
    /// <returns>A task that completes when the connections are closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes the connections, without waiting for their readers to end; requests still waiting on them fail.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _client.Dispose();
        }
    }

    private void ValidateItemSize(string id, in SessionWrite write)
    {
        var itemBytes = (long)MemcachedCodec.EncodedLength(write) + _commands.Key(id).Length + MemcachedCommands.ItemOverheadBytes;
        if (itemBytes > _maxItemBytes)
        {
            throw new ArgumentException(
                $"The session would be a Memcached item of about {itemBytes} bytes ({write.Data.Length} bytes of data), more than the servers' " +
                $"item size limit of {_maxItemBytes} bytes (MemcachedSessionStoreOptions.MaxItemBytes, memcached's -I): raise -I on every server " +
                "and MaxItemBytes with it to store it. Nothing was written.",
                nameof(write));
        }
    }

    private async Task<SessionRecord?> GetCoreAsync(string id, CancellationToken cancellationToken)
    {
        var key = _commands.Key(id);
        var reply = await _client.SendAsync(key, MemcachedCommands.Get(key), cancellationToken).ConfigureAwait(false);
        return reply.Status == MemcachedStatus.Value ? MemcachedCodec.Decode(id, reply, DateTimeOffset.UtcNow) : null;
    }

    private async Task<SessionRecord?> GetAndTouchCoreAsync(string id, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var key = _commands.Key(id);
        var now = DateTimeOffset.UtcNow;
        var serverTtl = MemcachedCommands.ServerTtl(ttl, now);
        var reply = await _client.SendAsync(key, MemcachedCommands.GetAndTouch(key, serverTtl), cancellationToken).ConfigureAwait(false);

        // memcached reports the seconds that were left before the touch; the new expiry is the one just given.
        return reply.Status == MemcachedStatus.Value
            ? MemcachedCodec.Decode(id, reply with { SecondsLeft = MemcachedCommands.SecondsLeft(serverTtl, now) }, now)
            : null;
    }

    private async Task<SessionSetResult> SetCoreAsync(string id, SessionWrite write, CancellationToken cancellationToken)
    {
        var key = _commands.Key(id);

        // Read, decide, write over exactly the item read (its CAS token) or only where none is (add); anything written
        // in between makes the write fail, and the decision is taken again on what is there now.
        while (true)
        {
            var current = await _client.SendAsync(key, MemcachedCommands.Get(key), cancellationToken).ConfigureAwait(false);
            var now = DateTimeOffset.UtcNow;
            SessionRecord? live = null;
            if (current.Status == MemcachedStatus.Value && (write.ExpectedVersion is not null || IsDecodable(id, current, now)))
            {
                // With an expected version a corrupt item is reported (Decode throws); an unconditional write replaces it.
                live = MemcachedCodec.Decode(id, current, now);
            }

            var liveVersion = live?.Version ?? 0;
            if (write.ExpectedVersion is { } expected && expected != liveVersion)
            {
                return SessionSetResult.Conflict(liveVersion);
            }

            var version = liveVersion + 1;
            var value = MemcachedCodec.Encode(write, version, live?.CreatedAt ?? now);
            ulong? cas = current.Status == MemcachedStatus.Value ? current.Cas : null;
            var request = MemcachedCommands.Store(key, value, MemcachedCommands.ServerTtl(write.Ttl, now), MemcachedCodec.FormatFlags, cas);
            var stored = await _client.SendAsync(key, request, cancellationToken).ConfigureAwait(false);
            if (stored.Status == MemcachedStatus.Done)
            {
                return SessionSetResult.Success(version);
            }

            // EX (written in between), NF (deleted or expired in between), NS (created in between): look again.
        }
    }

    private static bool IsDecodable(string id, in MemcachedReply reply, DateTimeOffset now)
    {
        try
        {
            MemcachedCodec.Decode(id, reply, now);
            return true;
        }
        catch (SessionDataCorruptedException)
        {
            return false;
        }
    }

    private async Task<bool> TouchCoreAsync(string id, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var key = _commands.Key(id);
        var flags = await _client.SendAsync(key, MemcachedCommands.Flags(key), cancellationToken).ConfigureAwait(false);
        if (flags.Status == MemcachedStatus.Miss)
        {
            return false;
        }

        // The format marker, not the value, is checked: a touch does not read the data.
        MemcachedCodec.CheckFormat(id, flags.ClientFlags);
        var touched = await _client.SendAsync(key, MemcachedCommands.Touch(key, MemcachedCommands.ServerTtl(ttl, DateTimeOffset.UtcNow)), cancellationToken)
            .ConfigureAwait(false);
        return touched.Status == MemcachedStatus.Done;
    }

    private async Task<bool> DestroyCoreAsync(string id, CancellationToken cancellationToken)
    {
        var key = _commands.Key(id);
        var reply = await _client.SendAsync(key, MemcachedCommands.Delete(key), cancellationToken).ConfigureAwait(false);
        return reply.Status == MemcachedStatus.Done;
    }
}
