using System;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionStores.Redis.Internal;

/// <summary>
/// The store's server-side commands: the Lua scripts of sessions, subject indexes and leases. Each touches only the keys
/// it declares, all in one hash slot (see <see cref="RedisKeys"/>), so every script runs on a Redis Cluster. Times come
/// from the clock of the server that holds the key (<c>TIME</c>, or a relative <c>PEXPIRE</c> read back with
/// <c>PEXPIRETIME</c>): the application's clock never decides expiry. Scripts are sent by
/// hash (see <see cref="RedisScript"/>), so a script's source crosses the wire once per server.
/// </summary>
/// <remarks>
/// <para>Arguments of <c>redis.call</c> are passed as strings (<c>'0'</c>, <c>ARGV[n]</c>), and numbers are turned into
/// text with <c>string.format('%d')</c>, never by passing or concatenating a Lua number: Redis converts those with
/// floating-point formatting (<c>%.17g</c>/<c>%.14g</c>; glibc's <c>printf_fp</c> stood out among redis-server's own
/// functions in a profile of the write script).</para>
/// <para>Leases: <c>KEYS[1]</c> is the lease (<c>{prefix}l{{id}}</c>, its value the holder's owner token, its Redis expiry the
/// lease's), <c>KEYS[2]</c> the fence counter (<c>{prefix}f{{id}}</c>). The fence is the server's clock in microseconds,
/// or one more than the last fence of the id when that is larger, so it grows strictly with every acquisition of an id.
/// The counter only has to outlive clock steps backwards, not the sessions: it expires <see cref="FenceMemoryMs"/> after
/// the last acquisition, so ids leased once do not leave keys behind for ever.</para>
/// </remarks>
internal static partial class RedisCommands
{
    /// <summary>
    /// How far, in ms, a subject index horizon is kept beyond the expiry it covers, to absorb clock differences
    /// between the node holding a session and the node holding its subject index.
    /// </summary>
    public const long ClockAllowanceMs = 1000;

    /// <summary>How long a lease's fence counter outlives the last acquisition of its id: one day.</summary>
    public const long FenceMemoryMs = 24 * 60 * 60 * 1000;

    public static readonly RedisScript GetAndTouch = new(GetAndTouchSource);

    public static readonly RedisScript Touch = new(TouchSource);

    public static readonly RedisScript SetHorizon = new(SetHorizonSource);

    public static readonly RedisScript IndexAdd = new(IndexAddSource);

    public static readonly RedisScript IndexRemoveIfUnchanged = new(IndexRemoveIfUnchangedSource);

    public static readonly RedisScript DestroyIfSubject = new(DestroyIfSubjectSource);

    // Spliced between lines of the scripts below; the newlines keep it on lines of its own.
    private const string Now = "\n" + """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        """ + "\n";

    // Spliced into the sliding-expiry scripts after the header was validated: moves the expiry of `k` to ARGV[1] ms from
    // now by the server's clock; leaves `ttl` and `exp` (absolute Unix ms). The key's own expiry is the session's only
    // record of it (see RedisCodec), so nothing else is written. A relative PEXPIRE read back with PEXPIRETIME instead of
    // TIME and PEXPIREAT: TIME's two-element reply costs a script more than both calls together (docs/benchmarks.md,
    // Redis server cost).
    private const string Slide = "\n" + """
        local ttl = tonumber(ARGV[1])
        redis.call('PEXPIRE', k, ARGV[1])
        local exp = redis.call('PEXPIRETIME', k)
        """ + "\n";

    // Spliced into the scripts that read a header: validates every header field exactly as RedisCodec.DecodeHeader does,
    // from `h` (the value, or at least its first 822 bytes: header plus the longest subject, RedisCodec.HeadRangeEnd
    // being 821), before anything is written.
    // `version` is nil when the header is invalid. The hex check comes first because Lua's tonumber(s, 16) also takes a
    // sign, a 0x prefix and surrounding spaces. 253402300799999 is DateTimeOffset.MaxValue in Unix ms; 768 is
    // SessionLimits.MaxSubjectLength UTF-8 bytes. It costs no Redis call.
    private const string ParseHeader = "\n" + """
        local version, created, horizon, sl
        if #h >= 54 and string.find(string.sub(h, 1, 54), '^S1%x+$') then
          version = tonumber(string.sub(h, 3, 14), 16)
          created = tonumber(string.sub(h, 15, 26), 16)
          horizon = tonumber(string.sub(h, 39, 50), 16)
          sl = tonumber(string.sub(h, 51, 54), 16)
          if version < 1 or created > 253402300799999 or tonumber(string.sub(h, 27, 38), 16) > 253402300799999
            or sl > 768 or #h < 54 + sl then
            version = nil
          end
        end
        """ + "\n";

    /// <summary>
    /// GET plus sliding expiry (<c>PEXPIRE</c>, nothing else written). KEYS[1] session; ARGV[1] ttl ms. Returns nil, or { value as read, new expiry ms,
    /// index horizon to extend to (0 when the subject index already covers the new expiry) }. A value whose header does
    /// not decode is reported as corrupt before anything is written.
    /// </summary>
    private const string GetAndTouchSource = """
        local k = KEYS[1]
        local h = redis.call('GET', k)
        if not h then return false end
        """ + ParseHeader + """
        if not version then return redis.error_reply('SESSIONSTORES_CORRUPT the SessionStores header is invalid') end
        """ + Slide + """
        local bump = 0
        if sl > 0 and exp > horizon then bump = exp + ttl end
        return { h, exp, bump }
        """;

    /// <summary>
    /// Sliding expiry without reading the data (it reads the header and at most the longest subject). KEYS[1] session;
    /// ARGV[1] ttl ms. Returns 0 when absent, 1 when touched, or { horizon to extend to, subject, the header's identity }
    /// when the subject index must be extended. A header that does not decode (also an empty string) is reported as corrupt before
    /// anything is written.
    /// </summary>
    private const string TouchSource = """
        local k = KEYS[1]
        local h = redis.call('GETRANGE', k, '0', '821')
        if #h == 0 and redis.call('EXISTS', k) == 0 then return 0 end
        """ + ParseHeader + """
        if not version then return redis.error_reply('SESSIONSTORES_CORRUPT the SessionStores header is invalid') end
        """ + Slide + """
        if sl > 0 and exp > horizon then
          return { exp + ttl, string.sub(h, 55, 54 + sl), string.sub(h, 3, 26) }
        end
        return 1
        """;

    /// <summary>
    /// Records in a session's header that its subject index now covers <c>ARGV[2]</c>, if the session is still the
    /// version the index was extended for (<c>ARGV[3]</c>: its version and created-at hex, header bytes 3 to 26) and
    /// still has subject <c>ARGV[1]</c>. KEYS[1] session. Never creates a key.
    /// </summary>
    private const string SetHorizonSource = """
        local k = KEYS[1]
        local h = redis.pcall('GETRANGE', k, 0, 53)
        if type(h) == 'table' or #h ~= 54 or string.sub(h, 1, 2) ~= 'S1' or string.sub(h, 3, 26) ~= ARGV[3] then return 0 end
        local horizon = tonumber(string.sub(h, 39, 50), 16)
        local sl = tonumber(string.sub(h, 51, 54), 16)
        local want = tonumber(ARGV[2])
        if not horizon or not sl or sl ~= #ARGV[1] or horizon >= want then return 0 end
        if redis.call('GETRANGE', k, 54, 53 + sl) ~= ARGV[1] then return 0 end
        redis.call('SETRANGE', k, 38, string.format('%012x', want))
        return 1
        """;

    /// <summary>
    /// Adds or extends a subject index entry. KEYS[1] index; ARGV: id, absolute horizon ms, clock allowance ms.
    /// The score (the time after which the entry is certainly stale) strictly grows with every call, so a reader that
    /// saw an older score can tell that the entry was renewed. Entries past their score are trimmed, and the index key
    /// expires with its last entry.
    /// </summary>
    private const string IndexAddSource = """
        local idx = KEYS[1]
        """ + Now + """

        local score = tonumber(ARGV[2]) + tonumber(ARGV[3])
        local old = tonumber(redis.call('ZSCORE', idx, ARGV[1]))
        if old and old >= score then score = old + 1 end
        redis.call('ZADD', idx, score, ARGV[1])
        redis.call('ZREMRANGEBYSCORE', idx, '-inf', string.format('(%d', now))
        local top = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
        if top[2] then redis.call('PEXPIREAT', idx, string.format('%d', tonumber(top[2]))) end
        return 1
        """;

    /// <summary>
    /// Removes a subject index entry found stale, unless it was renewed since it was read. KEYS[1] index; ARGV: id,
    /// the score as read.
    /// </summary>
    private const string IndexRemoveIfUnchangedSource = """
        local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if score and tonumber(score) == tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
        return 0
        """;

    /// <summary>Deletes a session if it is bound to subject ARGV[1]. KEYS[1] session. Returns 1 when deleted.</summary>
    private const string DestroyIfSubjectSource = """
        local k = KEYS[1]
        local h = redis.pcall('GETRANGE', k, 0, 53)
        if type(h) == 'table' or #h ~= 54 or string.sub(h, 1, 2) ~= 'S1' then return 0 end
        local sl = tonumber(string.sub(h, 51, 54), 16)
        if not sl or sl ~= #ARGV[1] or sl == 0 then return 0 end
        if redis.call('GETRANGE', k, 54, 53 + sl) ~= ARGV[1] then return 0 end
        return redis.call('DEL', k)
        """;

    /// <summary>ARGV: owner, duration ms, <see cref="FenceMemoryMs"/>. Returns <c>{1, fence}</c> when taken, else
    /// <c>{0, holder's remaining ms}</c>.</summary>
    public static readonly RedisScript AcquireLease = new("""
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
          local t = redis.call('TIME')
          local fence = tonumber(t[1]) * 1000000 + tonumber(t[2])
          local last = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
          if last >= fence then fence = last + 1 end
          redis.call('SET', KEYS[2], string.format('%d', fence), 'PX', ARGV[3])
          return {1, fence}
        end
        return {0, redis.call('PTTL', KEYS[1])}
        """);

    /// <summary>ARGV: owner, duration ms. Returns 1 when the lease was held by the owner and is extended, else 0.</summary>
    public static readonly RedisScript RenewLease = new("""
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        return 0
        """);

    /// <summary>ARGV: owner, channel, id. Deletes the lease when the owner holds it and publishes the id on the channel;
    /// returns 1 then, else 0.</summary>
    public static readonly RedisScript ReleaseLease = new("""
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('DEL', KEYS[1])
          redis.call('PUBLISH', ARGV[2], ARGV[3])
          return 1
        end
        return 0
        """);
}

/// <summary>
/// A Lua script sent by its SHA1 (<c>EVALSHA</c>), so its source crosses the wire only when a server does not know
/// it yet: on <c>NOSCRIPT</c> (first use on a node, after a restart, failover or <c>SCRIPT FLUSH</c>) it is sent once
/// with <c>EVAL</c>, which also caches it on that server. On a cluster each call is routed by its key, so every node
/// learns the scripts it needs on its own.
/// </summary>
internal sealed class RedisScript
{
    private readonly string _source;
    private readonly byte[] _hash;

    public RedisScript(string source)
    {
        _source = source;
#pragma warning disable CA5350 // Redis names scripts by SHA1; this is an identifier, not a security measure.
        _hash = SHA1.HashData(Encoding.UTF8.GetBytes(source));
#pragma warning restore CA5350
    }

    // abandoned: the operation's driver token: once it is cancelled (deadline passed, caller gone), a
    // NOSCRIPT answer is not followed by the EVAL. Without it, a call abandoned on a stalled server was
    // sent again after the server resumed, behind the caller's later commands: a timed-out destroy deleted the session
    // written after it.
    // abandonAfter: the operation's deadline, counted from this call: the driver token is cancelled on its
    // own thread shortly after the deadline, so a NOSCRIPT answer arriving past it is not followed either.
    public Task<RedisResult> EvaluateAsync(
        IDatabaseAsync db, RedisKey[] keys, RedisValue[] values, CancellationToken abandoned = default, TimeSpan? abandonAfter = null)
    {
        var started = Stopwatch.GetTimestamp();
        var byHash = db.ScriptEvaluateAsync(_hash, keys, values);

        // The common case completes without the retry wrapper's state machine.
        return byHash.IsCompletedSuccessfully ? byHash : WithFallbackAsync(byHash, db, keys, values, abandoned, started, abandonAfter);
    }

    private async Task<RedisResult> WithFallbackAsync(
        Task<RedisResult> byHash, IDatabaseAsync db, RedisKey[] keys, RedisValue[] values, CancellationToken abandoned, long started, TimeSpan? abandonAfter)
    {
        try
        {
            return await byHash.ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            abandoned.ThrowIfCancellationRequested();
            if (abandonAfter is { } limit && Stopwatch.GetElapsedTime(started) >= limit)
            {
                throw new OperationCanceledException("The script was not known to the server, and its caller's deadline has passed: not sent again.", ex);
            }

            return await db.ScriptEvaluateAsync(_source, keys, values).ConfigureAwait(false);
        }
    }
}
