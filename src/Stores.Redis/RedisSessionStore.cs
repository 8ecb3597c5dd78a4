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
/// <see cref="GetAsync"/> is a plain <c>GET</c>, <see cref="DestroyAsync"/> a plain <c>DEL</c>, and
/// <see cref="GetAndTouchAsync"/>, <see cref="TouchAsync"/> and <see cref="SetAsync"/> one cached server-side script.
/// </summary>
/// <remarks>
/// <para>Each session is one Redis string (a small header, the subject, the data) whose Redis expiry is the session's
/// expiry, set in milliseconds from the Redis server's own clock. Its key carries the id as a hash tag, so nothing ever
/// crosses hash slots. Sessions with a subject are also listed in a per-subject sorted set; entries are verified
/// against the session before they are returned and stale ones are removed on read and trimmed on write.</para>
/// <para>Connection loss: the store connects on first use and StackExchange.Redis reconnects in the background. While
/// Redis is unreachable every operation throws a <see cref="SessionStoreException"/> with
/// <see cref="SessionStoreException.IsTransient"/> set (after the connection's timeouts); the store does not retry,
/// so a write is never applied twice behind the caller's back. Caller cancellation abandons the wait with
/// <see cref="OperationCanceledException"/>; a command already sent may still complete on the server.</para>
/// </remarks>
public sealed partial class RedisSessionStore : ISessionStore, IAsyncDisposable, IDisposable
{
    private const string DbSystem = "redis";

    private readonly RedisKeys _keys;
    private readonly int _maxDataBytes;
    private readonly int _database;
    private readonly ILogger _logger;
    private readonly ConfigurationOptions? _ownedConfiguration;
    private readonly object _connectGate = new();
    private Task<IDatabase>? _connecting;
    private IConnectionMultiplexer? _connection;
    private volatile IDatabase? _db;
    private bool _isCluster;
    private bool _disposed;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The options.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="InvalidOperationException">The options are invalid; the message names the setting.</exception>
    public RedisSessionStore(RedisSessionStoreOptions options, ILogger<RedisSessionStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problem = Validate(options);
        if (problem is not null)
        {
            throw new InvalidOperationException(problem);
        }

        _keys = new RedisKeys(options.KeyPrefix);
        _maxDataBytes = options.MaxDataBytes;
        _database = options.Database;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        if (options.ConnectionMultiplexer is { } shared)
        {
            _connection = shared;
        }
        else
        {
            _ownedConfiguration = options.Configuration?.Clone() ?? ConfigurationOptions.Parse(options.ConnectionString!);

            // Keep reconnecting instead of failing for good when Redis is down at start-up; operations fail transiently meanwhile.
            _ownedConfiguration.AbortOnConnectFail = false;
        }
    }

    /// <summary>The key prefix (namespace) this store works in.</summary>
    public string KeyPrefix => _keys.Prefix;

    /// <inheritdoc />
    public async Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        cancellationToken.ThrowIfCancellationRequested();
        var operation = SessionStoreOperation.Start(DbSystem, "get");
        try
        {
            var db = _db ?? await ConnectAsync(cancellationToken).ConfigureAwait(false);
            var value = await db.StringGetAsync(_keys.Session(id)).WaitAsync(cancellationToken).ConfigureAwait(false);
            var record = value.IsNull ? null : SessionCodec.DecodeRecord(id, value);
            operation.Complete();
            return record;
        }
        catch (Exception ex)
        {
            operation.Fail(ex);
            throw Failure(ex, "get", id, cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        cancellationToken.ThrowIfCancellationRequested();
        var operation = SessionStoreOperation.Start(DbSystem, "get_and_touch");
        try
        {
            var db = _db ?? await ConnectAsync(cancellationToken).ConfigureAwait(false);
            var key = _keys.Session(id);
            var result = await Scripts.GetAndTouch.EvaluateAsync(db, [key], [SessionValidation.ToMilliseconds(ttl)])
                .WaitAsync(cancellationToken).ConfigureAwait(false);
            SessionRecord? record = null;
            if (!result.IsNull)
            {
                var parts = (RedisResult[])result!;
                record = SessionCodec.DecodeRecord(id, (RedisValue)parts[0], (long)parts[1]);
                var horizon = (long)parts[2];
                if (horizon > 0)
                {
                    await ExtendSubjectIndexAsync(db, id, record.Subject!, horizon, cancellationToken).ConfigureAwait(false);
                }
            }

            operation.Complete();
            return record;
        }
        catch (Exception ex)
        {
            operation.Fail(ex);
            throw Failure(ex, "get_and_touch", id, cancellationToken);
        }
    }

    /// <inheritdoc />
    /// <remarks>Without a subject this is one script call. With a subject the subject index is updated too: in the same
    /// pipeline on a single server; on a cluster, right after the session write (so that an index reader can never
    /// drop the entry of a session being written; see the package README).</remarks>
    public async Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateWrite(write, _maxDataBytes);
        cancellationToken.ThrowIfCancellationRequested();
        var operation = SessionStoreOperation.Start(DbSystem, "set");
        try
        {
            var db = _db ?? await ConnectAsync(cancellationToken).ConfigureAwait(false);
            var ttlMs = SessionValidation.ToMilliseconds(write.Ttl);
            var subject = write.Subject is null ? RedisValue.EmptyString : (RedisValue)Encoding.UTF8.GetBytes(write.Subject);
            var setTask = Scripts.Set.EvaluateAsync(db,
                [_keys.Session(id)],
                [write.ExpectedVersion ?? -1, ttlMs, subject, write.Data]);

            long outcome;
            if (write.Subject is null)
            {
                outcome = (long)await setTask.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (!_isCluster)
            {
                // One server, one connection: the index update is pipelined behind the write and runs after it.
                var indexTask = AddToSubjectIndexAsync(db, id, write.Subject, 0, ttlMs);
                outcome = (long)await setTask.WaitAsync(cancellationToken).ConfigureAwait(false);
                await indexTask.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                outcome = (long)await setTask.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (outcome > 0)
                {
                    await AddToSubjectIndexAsync(db, id, write.Subject, 0, ttlMs).WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            operation.Complete();
            return outcome > 0 ? SessionSetResult.Success(outcome) : SessionSetResult.Conflict(-outcome - 1);
        }
        catch (Exception ex)
        {
            operation.Fail(ex);
            throw Failure(ex, "set", id, cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        cancellationToken.ThrowIfCancellationRequested();
        var operation = SessionStoreOperation.Start(DbSystem, "touch");
        try
        {
            var db = _db ?? await ConnectAsync(cancellationToken).ConfigureAwait(false);
            var result = await Scripts.Touch.EvaluateAsync(db, [_keys.Session(id)], [SessionValidation.ToMilliseconds(ttl)])
                .WaitAsync(cancellationToken).ConfigureAwait(false);
            bool touched;
            if (result.Resp2Type == ResultType.Array)
            {
                var parts = (RedisResult[])result!;
                await ExtendSubjectIndexAsync(db, id, (string)parts[1]!, (long)parts[0], cancellationToken).ConfigureAwait(false);
                touched = true;
            }
            else
            {
                touched = (long)result == 1;
            }

            operation.Complete();
            return touched;
        }
        catch (Exception ex)
        {
            operation.Fail(ex);
            throw Failure(ex, "touch", id, cancellationToken);
        }
    }

    /// <inheritdoc />
    /// <remarks>One <c>DEL</c>. A subject index entry left behind is removed by the next read of that index.</remarks>
    public async Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        cancellationToken.ThrowIfCancellationRequested();
        var operation = SessionStoreOperation.Start(DbSystem, "destroy");
        try
        {
            var db = _db ?? await ConnectAsync(cancellationToken).ConfigureAwait(false);
            var deleted = await db.KeyDeleteAsync(_keys.Session(id)).WaitAsync(cancellationToken).ConfigureAwait(false);
            operation.Complete();
            return deleted;
        }
        catch (Exception ex)
        {
            operation.Fail(ex);
            throw Failure(ex, "destroy", id, cancellationToken);
        }
    }

    /// <summary>Closes the connection when the store opened it; a shared <see cref="RedisSessionStoreOptions.ConnectionMultiplexer"/> stays open.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownedConfiguration is not null)
        {
            _connection?.Dispose();
        }

    }

    /// <summary>Closes the connection when the store opened it; a shared <see cref="RedisSessionStoreOptions.ConnectionMultiplexer"/> stays open.</summary>
    /// <returns>A task that completes when the connection is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownedConfiguration is not null && _connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

    }

    internal static string? Validate(RedisSessionStoreOptions options)
    {
        var sources = (string.IsNullOrWhiteSpace(options.ConnectionString) ? 0 : 1) + (options.Configuration is null ? 0 : 1)
            + (options.ConnectionMultiplexer is null ? 0 : 1);
        if (sources != 1)
        {
            return "Set exactly one of RedisSessionStoreOptions.ConnectionString, RedisSessionStoreOptions.Configuration or "
                + "RedisSessionStoreOptions.ConnectionMultiplexer (with dependency injection, registering an IConnectionMultiplexer also works).";
        }

        if (options.KeyPrefix is null || options.KeyPrefix.Contains('{', StringComparison.Ordinal) || options.KeyPrefix.Contains('}', StringComparison.Ordinal))
        {
            return "RedisSessionStoreOptions.KeyPrefix must be set and must not contain '{' or '}' (the store adds its own Redis Cluster hash tags).";
        }

        if (options.MaxDataBytes is <= 0 or > 512 * 1024 * 1024 - 1024)
        {
            return "RedisSessionStoreOptions.MaxDataBytes must be positive and leave room for the header within Redis's 512 MiB string limit.";
        }

        if (options.Database < -1)
        {
            return "RedisSessionStoreOptions.Database must be -1 (the connection's default) or a database number.";
        }

        return null;
    }

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
        if (_connection is null)
        {
            try
            {
                _connection = await ConnectionMultiplexer.ConnectAsync(_ownedConfiguration!).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.ConnectFailed(_logger, ex);
                throw;
            }
        }

        var isCluster = false;
        foreach (var server in _connection.GetServers())
        {
            isCluster |= server.ServerType == ServerType.Cluster;
        }

        _isCluster = isCluster;
        var db = _connection.GetDatabase(_database);
        _db = db;
        return db;
    }

    private Task AddToSubjectIndexAsync(IDatabase db, string id, string subject, long horizonMs, long ttlMs) =>
        Scripts.IndexAdd.EvaluateAsync(db, [_keys.Subject(subject)], [id, horizonMs, ttlMs, Scripts.ClockAllowanceMs]);

    /// <summary>
    /// A touch moved a session's expiry past what its subject index entry covers: extend the entry first, then record
    /// the new horizon in the session so that the next touches need not do this again. Runs at most about once per TTL
    /// period of a session, and never for sessions without a subject.
    /// </summary>
    private async Task ExtendSubjectIndexAsync(IDatabase db, string id, string subject, long horizonMs, CancellationToken cancellationToken)
    {
        await AddToSubjectIndexAsync(db, id, subject, horizonMs, 0).WaitAsync(cancellationToken).ConfigureAwait(false);
        await Scripts.SetHorizon.EvaluateAsync(db, [_keys.Session(id)], [Encoding.UTF8.GetBytes(subject), horizonMs])
            .WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
