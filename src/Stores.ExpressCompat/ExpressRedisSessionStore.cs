using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SessionStores.ExpressCompat.Internal;
using SessionStores.Redis.Internal;
using StackExchange.Redis;

namespace SessionStores.ExpressCompat;

/// <summary>
/// The connect-redis storage format as a session store: one Redis string per session under <c>sess:</c> + id, whose
/// value is the session's JSON exactly as express-session serializes it, and whose Redis expiry is the session's expiry,
/// in whole seconds (connect-redis sets it with <c>EX</c>); Redis's clock decides.
/// </summary>
/// <remarks>
/// The data is stored bit-exact, whatever it is; an Express app can only read it when it is the JSON of an
/// express-session session, which <c>AddExpressSession</c>'s sessions always write. What the format cannot hold is
/// described on <see cref="ExpressSessionFormatStore"/>.
/// </remarks>
public sealed class ExpressRedisSessionStore : ExpressSessionFormatStore, IAsyncDisposable
{
    // One round trip each; a key without expiry (connect-redis's disableTTL) reads as PTTL -1.
    private static readonly LuaScript GetScript = LuaScript.Prepare(
        "local v = redis.call('GET', @key) if not v then return false end return {v, redis.call('PTTL', @key)}");

    private static readonly LuaScript GetAndTouchScript = LuaScript.Prepare(
        "local v = redis.call('GET', @key) if not v then return false end redis.call('PEXPIRE', @key, @ttl) return {v, tonumber(@ttl)}");

    private readonly ExpressRedisSessionStoreOptions _options;
    private readonly Lazy<Task<IConnectionMultiplexer>> _connection;
    private readonly bool _ownsConnection;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The options.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message names every invalid one.</exception>
    public ExpressRedisSessionStore(ExpressRedisSessionStoreOptions options, ILogger<ExpressRedisSessionStore>? logger = null)
        : base(new ExpressRedisBackend(), Validated(options), logger)
    {
        _options = options;
        _ownsConnection = options.ConnectionMultiplexer is null;
        _connection = options.ConnectionMultiplexer is { } shared
            ? new Lazy<Task<IConnectionMultiplexer>>(Task.FromResult(shared))
            : new Lazy<Task<IConnectionMultiplexer>>(async () => await ConnectionMultiplexer.ConnectAsync(
                RedisOwnedConfiguration.Create(null, options.ConnectionString, options.OperationTimeout)).ConfigureAwait(false));
    }

    /// <summary>The key prefix (connect-redis's <c>prefix</c>).</summary>
    public string KeyPrefix => _options.KeyPrefix;

    /// <inheritdoc />
    public override TimeSpan? TimeToLive(ExpressSessionCookie cookie, DateTimeOffset now) => CookieOrStoreTtl(cookie, now, _options.Ttl);

    /// <summary>Closes the connection when the store opened it itself.</summary>
    /// <returns>A task that completes when the connection is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_ownsConnection && _connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
        {
            await _connection.Value.Result.DisposeAsync().ConfigureAwait(false);
        }
    }

    private protected override async Task<SessionRecord?> GetCoreAsync(string id, CancellationToken cancellationToken) =>
        await ReadAsync(id, GetScript, new { key = Key(id) }).ConfigureAwait(false);

    private protected override async Task<SessionRecord?> GetAndTouchCoreAsync(string id, long ttlMs, CancellationToken cancellationToken) =>
        await ReadAsync(id, GetAndTouchScript, new { key = Key(id), ttl = ttlMs }).ConfigureAwait(false);

    private protected override async Task SetCoreAsync(string id, ReadOnlyMemory<byte> data, long ttlMs, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync().ConfigureAwait(false);
        await db.StringSetAsync(Key(id), data, TimeSpan.FromMilliseconds(ttlMs)).ConfigureAwait(false);
    }

    // EXPIRE on a missing key does nothing: a touch never resurrects (connect-redis's touch is this EXPIRE).
    private protected override async Task<bool> TouchCoreAsync(string id, long ttlMs, CancellationToken cancellationToken) =>
        await (await DatabaseAsync().ConfigureAwait(false)).KeyExpireAsync(Key(id), TimeSpan.FromMilliseconds(ttlMs)).ConfigureAwait(false);

    private protected override async Task<bool> DestroyCoreAsync(string id, CancellationToken cancellationToken) =>
        await (await DatabaseAsync().ConfigureAwait(false)).KeyDeleteAsync(Key(id)).ConfigureAwait(false);

    // SCAN on every primary, so a cluster's keys are all seen; the prefix is matched literally (glob characters escaped).
    private protected override async IAsyncEnumerable<string> ListIdsCoreAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var connection = await _connection.Value.ConfigureAwait(false);
        var pattern = RedisKeys.EscapeGlob(_options.KeyPrefix) + "*";
        foreach (var endpoint in connection.GetEndPoints())
        {
            var server = connection.GetServer(endpoint);
            if (server.IsReplica)
            {
                continue;
            }

            await foreach (var key in server.KeysAsync(_options.Database, pattern, pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                yield return key.ToString()[_options.KeyPrefix.Length..];
            }
        }
    }

    private static ExpressRedisSessionStoreOptions Validated(ExpressRedisSessionStoreOptions options)
    {
        ExpressRedisSessionStoreOptionsValidator.Instance.ThrowIfInvalid(options, nameof(options));
        return options;
    }

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
