using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SessionStores.Redis.Internal;
using StackExchange.Redis;

namespace SessionStores.Redis;

/// <summary>
/// A session store on Redis or Redis Cluster (StackExchange.Redis). Every single-session operation is one round trip:
/// <see cref="GetAsync"/> is a <c>GET</c> with the key's <c>PEXPIRETIME</c> in one transaction, <see cref="DestroyAsync"/> a plain <c>DEL</c>, and
/// <see cref="GetAndTouchAsync"/>, <see cref="TouchAsync"/> and <see cref="SetAsync"/> one cached server-side script.
/// </summary>
/// <remarks>
/// <para>Each session is one Redis string (a small header, the subject, the data) whose Redis expiry is the session's
/// expiry, set in milliseconds from the Redis server's own clock (the value does not repeat it). Its key carries the id as a hash tag, so nothing ever
/// crosses hash slots. Sessions with a subject are also listed in a per-subject sorted set; entries are verified
/// against the session before they are returned and stale ones are removed on read and trimmed on write.</para>
/// <para>Connection loss: the store connects on first use and StackExchange.Redis reconnects in the background. While
/// Redis is unreachable every operation throws a <see cref="SessionStoreException"/> with
/// <see cref="SessionStoreException.IsTransient"/> set (after the connection's timeouts); the store does not retry,
/// so a write is never applied twice behind the caller's back. Caller cancellation abandons the wait with
/// <see cref="OperationCanceledException"/>; a command already sent may still complete on the server.</para>
/// <para>Subject index upkeep never depends on the caller's token. When a write or touch that needs an index update
/// (adding the entry, or extending it past a new expiry) is abandoned by its caller after its script was sent, the
/// store still waits for the script in the background and, if it succeeded, sends the index update. A session's header
/// records how far its index entry reaches, and only after the index says so: an index update that fails (the
/// operation then throws a <see cref="SessionStoreException"/> saying the session itself was written) leaves no claim
/// behind, so the next write or touch of that session repeats it. A failure of a background update is logged (event <c>IndexWriteFailed</c>).</para>
/// <para>No maintenance: Redis expires each session key itself (nothing to prune), and nothing has to exist before the
/// first operation (no schema; the scripts are sent by hash and loaded on demand), so this store has no
/// <c>Maintenance</c> partial. Its one upkeep, removing stale subject index entries, is part of every read of an index
/// (<c>SubjectIndex</c>); connecting once is in <c>Connection</c>.</para>
/// </remarks>
public sealed partial class RedisSessionStore : ISessionStore, IAsyncDisposable, IDisposable
{
    private readonly RedisKeys _keys;
    private readonly int _maxDataBytes;
    private readonly RedisValue _announceChannel;
    private readonly int _database;
    private readonly ILogger _logger;
    private readonly RedisBackend _backend;
    private readonly SessionStoreOperationRunner _runner;
    private readonly ConfigurationOptions? _ownedConfiguration;
    private readonly object _connectGate = new();
    private Task<IDatabase>? _connecting;
    private IConnectionMultiplexer? _connection;
    private volatile IDatabase? _db;
    private volatile bool _disposed;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The options.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The options are invalid; the message names every invalid one.</exception>
    public RedisSessionStore(RedisSessionStoreOptions options, ILogger<RedisSessionStore>? logger = null)
    {
        RedisSessionStoreOptionsValidator.Instance.ThrowIfInvalid(options, nameof(options));
        _keys = new RedisKeys(options.KeyPrefix);
        _maxDataBytes = options.MaxDataBytes;
        _announceChannel = options.PublishInvalidations ? _keys.InvalidationsName : string.Empty;
        var process = _keys.InvalidationsName + ":p:" + Guid.NewGuid().ToString("N");
        _ownChannel = process;
        _unheardChannel = process + ":none";
        _database = options.Database;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _backend = new RedisBackend(() => _disposed);
        _runner = new SessionStoreOperationRunner(_backend, options.OperationTimeout, _logger);
        if (options.ConnectionMultiplexer is { } shared)
        {
            _connection = shared;
        }
        else
        {
            _ownedConfiguration = RedisOwnedConfiguration.Create(options.Configuration, options.ConnectionString, options.OperationTimeout);
        }
    }

    /// <summary>The key prefix (namespace) this store works in.</summary>
    public string KeyPrefix => _keys.Prefix;

    /// <inheritdoc />
    public Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return _runner.RunAsync(SessionStoreOperationNames.Get, (Store: this, Id: id), static (s, ct) => s.Store.GetCoreAsync(s.Id, ct), cancellationToken);
    }

    private async Task<SessionRecord?> GetCoreAsync(string id, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var key = _keys.Session(id);

        // The value and its key's expiry, read atomically (MULTI/EXEC): the expiry lives only in the key (RedisCodec).
        var transaction = db.CreateTransaction();
        var read = transaction.StringGetAsync(key);
        var expiry = transaction.ExecuteAsync("PEXPIRETIME", key);
        await transaction.ExecuteAsync().ConfigureAwait(false);
        var value = await RedisBackend.ForSession(read, id).ConfigureAwait(false);
        return value.IsNull ? null : RedisCodec.DecodeRecord(id, value, (long)await expiry.ConfigureAwait(false));
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        return _runner.RunAsync(SessionStoreOperationNames.GetAndTouch, (Store: this, Id: id, Ttl: ttl), static (s, ct) => s.Store.GetAndTouchCoreAsync(s.Id, s.Ttl, ct), cancellationToken);
    }

    private async Task<SessionRecord?> GetAndTouchCoreAsync(string id, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var script = EvaluateAsync(RedisCommands.GetAndTouch, db, [_keys.Session(id)], [SessionValidation.ToMilliseconds(ttl)], cancellationToken);
        var result = await AwaitScriptAsync(script, db, id, IndexFollowUp.GetAndTouch, null, cancellationToken).ConfigureAwait(false);
        if (result.IsNull)
        {
            return null;
        }

        var parts = (RedisResult[])result!;
        // The script has just set the expiry it returns, so the record is never absent here.
        var record = RedisCodec.DecodeRecord(id, (RedisValue)parts[0], (long)parts[1])!;
        if (IndexUpdateAfter(IndexFollowUp.GetAndTouch, result, db, id, record.Subject) is { } indexWrite)
        {
            await WaitForIndexAsync(indexWrite, SessionStoreOperationNames.GetAndTouch, id, cancellationToken).ConfigureAwait(false);
        }

        return record;
    }

    /// <inheritdoc />
    /// <remarks>One script call. With a subject, the subject index is extended after the write when it does not yet cover
    /// the new expiry: on a new binding, and then about once per TTL period of the session (two more script calls; the
    /// index write only follows a successful session write, so an index reader can never drop the entry of a session
    /// being written, see the package README). Should the caller cancel after the write was sent, the index update is
    /// still made once the write succeeds (see the class remarks).</remarks>
    public Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateWrite(write, _maxDataBytes);
        return _runner.RunAsync(SessionStoreOperationNames.Set, (Store: this, Id: id, Write: write), static (s, ct) => s.Store.SetCoreAsync(s.Id, s.Write, ct), cancellationToken);
    }

    private async Task<SessionSetResult> SetCoreAsync(string id, SessionWrite write, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var ttlMs = SessionValidation.ToMilliseconds(write.Ttl);
        var subjectField = RedisCodec.SubjectField(write.Subject);
        var subject = write.Subject is null ? RedisValue.EmptyString : (RedisValue)subjectField.AsMemory(RedisCodec.SubjectLengthDigits);
        RedisValue[] arguments = write.ExpectedVersion is > 0 and var expected
            ? [expected, ttlMs, subject, write.Data, _announceChannel, OwnChannelArgument, RedisCodec.VersionField(expected, withMagic: false),
                RedisCodec.VersionField(expected + 1, withMagic: true), RedisCodec.HeaderLength - 1 + subjectField.Length - RedisCodec.SubjectLengthDigits, subjectField]
            : [write.ExpectedVersion ?? -1, ttlMs, subject, write.Data, _announceChannel, OwnChannelArgument];
        var script = EvaluateAsync(RedisCommands.Set, db, [_keys.Session(id)], arguments, cancellationToken);

        // Without a subject there is no index update to make on the caller's behalf.
        var result = await AwaitScriptAsync(script, db, id, write.Subject is null ? null : IndexFollowUp.Set, write.Subject, cancellationToken).ConfigureAwait(false);
        long outcome;
        if (IndexUpdateAfter(IndexFollowUp.Set, result, db, id, write.Subject) is { } indexWrite)
        {
            // Stored, and the subject index must be extended to cover it before the header may say so.
            await WaitForIndexAsync(indexWrite, SessionStoreOperationNames.Set, id, cancellationToken).ConfigureAwait(false);
            outcome = (long)((RedisResult[])result!)[0];
        }
        else
        {
            outcome = (long)result;
        }

        return outcome > 0 ? SessionSetResult.Success(outcome) : SessionSetResult.Conflict(-outcome - 1);
    }

    /// <inheritdoc />
    public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        return _runner.RunAsync(SessionStoreOperationNames.Touch, (Store: this, Id: id, Ttl: ttl), static (s, ct) => s.Store.TouchCoreAsync(s.Id, s.Ttl, ct), cancellationToken);
    }

    private async Task<bool> TouchCoreAsync(string id, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var script = EvaluateAsync(RedisCommands.Touch, db, [_keys.Session(id)], [SessionValidation.ToMilliseconds(ttl)], cancellationToken);
        var result = await AwaitScriptAsync(script, db, id, IndexFollowUp.Touch, null, cancellationToken).ConfigureAwait(false);
        if (IndexUpdateAfter(IndexFollowUp.Touch, result, db, id, null) is { } indexWrite)
        {
            // Touched, and past what the subject index covered.
            await WaitForIndexAsync(indexWrite, SessionStoreOperationNames.Touch, id, cancellationToken).ConfigureAwait(false);
            return true;
        }

        return (long)result == 1;
    }

    /// <inheritdoc />
    /// <remarks>One <c>DEL</c> (with <see cref="RedisSessionStoreOptions.PublishInvalidations"/>, a <c>PUBLISH</c> to near
    /// caches pipelined behind it). A subject index entry left behind is removed by the next read of that index.</remarks>
    public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return _runner.RunAsync(SessionStoreOperationNames.Destroy, (Store: this, Id: id), static (s, ct) => s.Store.DestroyCoreAsync(s.Id, ct), cancellationToken);
    }

    private async Task<bool> DestroyCoreAsync(string id, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var key = _keys.Session(id);
        var deleted = db.KeyDeleteAsync(key);
        if (!_announceChannel.IsNullOrEmpty)
        {
            // The announcement to near caches (RedisSessionStore.Invalidations) is pipelined behind the delete on the same
            // connection, so it reaches the server after it. Not a script: a script unknown to the server (NOSCRIPT) is
            // sent again, and an abandoned destroy re-sent after a stalled server resumed deleted the session written
            // after it.
            var announced = db.PublishAsync(_keys.Invalidations, string.Concat((string?)key, ":0"));
            var result = await deleted.ConfigureAwait(false);
            await announced.ConfigureAwait(false);
            return result;
        }

        return await deleted.ConfigureAwait(false);
    }

    /// <summary>Closes the connection when the store opened it; a shared <see cref="RedisSessionStoreOptions.ConnectionMultiplexer"/> stays open.
    /// Operations started afterwards throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        StopLeaseSignals();
        TakeOwnedConnectionForDisposal()?.Dispose();
    }

    /// <summary>Closes the connection when the store opened it; a shared <see cref="RedisSessionStoreOptions.ConnectionMultiplexer"/> stays open.
    /// Operations started afterwards throw <see cref="ObjectDisposedException"/>.</summary>
    /// <returns>A task that completes when the connection is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        StopLeaseSignals();
        if (TakeOwnedConnectionForDisposal() is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Marks the store disposed (once) and returns the connection it opened, if any, for closing. A connection
    /// still being opened is closed by <see cref="ConnectCoreAsync"/> when it arrives.</summary>
    private IConnectionMultiplexer? TakeOwnedConnectionForDisposal()
    {
        lock (_connectGate)
        {
            if (_disposed)
            {
                return null;
            }

            _disposed = true;
            _db = null;
            return _ownedConfiguration is not null ? _connection : null;
        }
    }
}
