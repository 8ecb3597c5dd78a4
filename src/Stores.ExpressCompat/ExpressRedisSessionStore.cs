using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SessionStores.ExpressCompat.Internal;
using StackExchange.Redis;

namespace SessionStores.ExpressCompat;

/// <summary>
/// The connect-redis storage format as a session store: one Redis string per session under <c>sess:</c> + id, whose
/// value is the session's JSON exactly as express-session serializes it, and whose Redis expiry is the session's expiry,
/// in whole seconds (connect-redis sets it with <c>EX</c>).
/// </summary>
/// <remarks>
/// <para>What the format cannot hold, and what this store therefore does not offer (its conformance fixture declares
/// it, and the kit skips exactly those rules): a version (every live record reads as version 1; a compare-and-set is
/// refused with <see cref="NotSupportedException"/> before any I/O), a subject (refused the same way), a creation time
/// (<see cref="SessionRecord.CreatedAt"/> is <see cref="DateTimeOffset.UnixEpoch"/>), millisecond expiry (TTLs are
/// rounded up to whole seconds, as connect-redis does), and listing (connect-redis lists with <c>SCAN</c> over the
/// whole keyspace; <see cref="ListAsync"/>, <see cref="CountAsync"/> and <see cref="DestroyManyAsync"/> throw
/// <see cref="NotSupportedException"/>).</para>
/// <para>The data is stored bit-exact, whatever it is; an Express app can only read it when it is the JSON of an
/// express-session session, which <c>AddExpressSession</c>'s sessions always write. Failures surface as
/// <see cref="SessionStoreException"/> through the shared operation runner (deadline, telemetry, one error shape).</para>
/// </remarks>
public sealed class ExpressRedisSessionStore : ISessionStore, IExpressSessionFormat, IAsyncDisposable
{
    // One round trip each; the server's clock decides expiry (PTTL), as for the native Redis store.
    private static readonly LuaScript GetScript = LuaScript.Prepare(
        "local v = redis.call('GET', @key) if not v then return false end return {v, redis.call('PTTL', @key)}");

    private static readonly LuaScript GetAndTouchScript = LuaScript.Prepare(
        "local v = redis.call('GET', @key) if not v then return false end redis.call('PEXPIRE', @key, @ttl) return {v, tonumber(@ttl)}");

    private readonly ExpressRedisSessionStoreOptions _options;
    private readonly SessionStoreOperationRunner _runner;
    private readonly Lazy<Task<IConnectionMultiplexer>> _connection;
    private readonly bool _ownsConnection;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The options.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message names every invalid one.</exception>
    public ExpressRedisSessionStore(ExpressRedisSessionStoreOptions options, ILogger<ExpressRedisSessionStore>? logger = null)
    {
        ExpressRedisSessionStoreOptionsValidator.Instance.ThrowIfInvalid(options, nameof(options));
        _options = options;
        _runner = new SessionStoreOperationRunner(new ExpressRedisBackend(), options.OperationTimeout, (ILogger?)logger ?? NullLogger.Instance);
        _ownsConnection = options.ConnectionMultiplexer is null;
        _connection = options.ConnectionMultiplexer is { } shared
            ? new Lazy<Task<IConnectionMultiplexer>>(Task.FromResult(shared))
            : new Lazy<Task<IConnectionMultiplexer>>(async () => await ConnectionMultiplexer.ConnectAsync(options.ConnectionString!).ConfigureAwait(false));
    }

    /// <summary>The key prefix (connect-redis's <c>prefix</c>).</summary>
    public string KeyPrefix => _options.KeyPrefix;

    /// <inheritdoc />
    public TimeSpan? TimeToLive(ExpressSessionCookie cookie, DateTimeOffset now)
    {

        // connect-redis: Math.ceil((expires - now) / 1000) seconds when the cookie expires, else the store's ttl.
        if (cookie.Expires is not { } expires)
        {
            return _options.Ttl;
        }

        var seconds = (long)Math.Ceiling((expires - now).TotalMilliseconds / 1000);
        return seconds > 0 ? TimeSpan.FromSeconds(seconds) : null;
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return _runner.RunAsync(SessionStoreOperationNames.Get, (Store: this, Id: id),
            static (s, ct) => s.Store.ReadAsync(s.Id, GetScript, new { key = s.Store.Key(s.Id) }), cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        return _runner.RunAsync(SessionStoreOperationNames.GetAndTouch, (Store: this, Id: id, Ttl: WholeSeconds(ttl)),
            static (s, ct) => s.Store.ReadAsync(s.Id, GetAndTouchScript, new { key = s.Store.Key(s.Id), ttl = s.Ttl }), cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The write has an expected version or a subject: the format has neither.</exception>
    public Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateWrite(write, _options.MaxDataBytes);
        ExpressFormatLimits.EnsureSupported(write);
        return _runner.RunAsync(SessionStoreOperationNames.Set, (Store: this, Id: id, Write: write),
            static async (s, ct) =>
            {
                var db = await s.Store.DatabaseAsync().ConfigureAwait(false);
                await db.StringSetAsync(s.Store.Key(s.Id), s.Write.Data, TimeSpan.FromMilliseconds(WholeSeconds(s.Write.Ttl))).ConfigureAwait(false);
                return SessionSetResult.Success(1);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        return _runner.RunAsync(SessionStoreOperationNames.Touch, (Store: this, Id: id, Ttl: WholeSeconds(ttl)),
            static async (s, ct) =>
            {
                // EXPIRE on a missing key does nothing: a touch never resurrects (connect-redis's touch is this EXPIRE).
                var db = await s.Store.DatabaseAsync().ConfigureAwait(false);
                return await db.KeyExpireAsync(s.Store.Key(s.Id), TimeSpan.FromMilliseconds(s.Ttl)).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return _runner.RunAsync(SessionStoreOperationNames.Destroy, (Store: this, Id: id),
            static async (s, ct) =>
            {
                var db = await s.Store.DatabaseAsync().ConfigureAwait(false);
                return await db.KeyDeleteAsync(s.Store.Key(s.Id)).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>Not supported by this format (see the remarks of <see cref="ExpressRedisSessionStore"/>).</summary>
    /// <param name="query">Unused.</param>
    /// <param name="cancellationToken">Unused.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="NotSupportedException">Always, once the query is valid.</exception>
    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        throw ExpressFormatLimits.NoListing(query, nameof(ListAsync));

    /// <summary>Not supported by this format (see the remarks of <see cref="ExpressRedisSessionStore"/>).</summary>
    /// <param name="query">Unused.</param>
    /// <param name="cancellationToken">Unused.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="NotSupportedException">Always, once the query is valid.</exception>
    public Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        throw ExpressFormatLimits.NoListing(query, nameof(CountAsync));

    /// <summary>Not supported by this format (see the remarks of <see cref="ExpressRedisSessionStore"/>).</summary>
    /// <param name="query">Unused.</param>
    /// <param name="cancellationToken">Unused.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="NotSupportedException">Always, once the query is valid.</exception>
    public Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        throw ExpressFormatLimits.NoListing(query, nameof(DestroyManyAsync));

    /// <summary>Closes the connection when the store opened it itself.</summary>
    /// <returns>A task that completes when the connection is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_ownsConnection && _connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
        {
            await _connection.Value.Result.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static long WholeSeconds(TimeSpan ttl) => (SessionValidation.ToMilliseconds(ttl) + 999) / 1000 * 1000;

    private RedisKey Key(string id) => _options.KeyPrefix + id;

    private async Task<IDatabase> DatabaseAsync() =>
        (await _connection.Value.ConfigureAwait(false)).GetDatabase(_options.Database);

    private async Task<SessionRecord?> ReadAsync(string id, LuaScript script, object parameters)
    {
        var db = await DatabaseAsync().ConfigureAwait(false);
        var result = await db.ScriptEvaluateAsync(script, parameters).ConfigureAwait(false);
        if (result.IsNull)
        {
            return null;
        }

        var parts = (RedisResult[])result!;
        var ttlMs = (long)parts[1];
        var expiresAt = DateTimeOffset.UtcNow.AddMilliseconds(ttlMs < 0 ? SessionLimits.MaxTtl.TotalMilliseconds : ttlMs);
        return new SessionRecord(id, (byte[])parts[0]!, 1, expiresAt, DateTimeOffset.UnixEpoch, null);
    }
}
