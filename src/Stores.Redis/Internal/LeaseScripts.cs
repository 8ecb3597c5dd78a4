namespace SessionStores.Redis.Internal;

/// <summary>
/// The lease scripts. KEYS[1] is the lease (<c>{prefix}l{{id}}</c>, its value the holder's owner token, its Redis expiry
/// the lease's), KEYS[2] the fence counter (<c>{prefix}f{{id}}</c>); both carry the id's hash tag, so each script runs on
/// one Redis Cluster node.
/// </summary>
/// <remarks>
/// The fence is the server's clock in microseconds, or one more than the last fence of the id when that is larger, so it
/// grows strictly with every acquisition of an id. The counter only has to outlive clock steps backwards, not the
/// sessions: it expires <see cref="FenceMemoryMs"/> after the last acquisition, so ids leased once do not leave keys
/// behind for ever.
/// </remarks>
internal static class LeaseScripts
{
    /// <summary>How long the fence counter outlives the last acquisition of its id: one day.</summary>
    public const long FenceMemoryMs = 24 * 60 * 60 * 1000;

    /// <summary>ARGV: owner, duration ms, <see cref="FenceMemoryMs"/>. Returns <c>{1, fence}</c> when taken, else
    /// <c>{0, holder's remaining ms}</c>.</summary>
    public static readonly RedisScript Acquire = new("""
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
    public static readonly RedisScript Renew = new("""
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        return 0
        """);

    /// <summary>ARGV: owner, channel, id. Deletes the lease when the owner holds it and publishes the id on the channel;
    /// returns 1 then, else 0.</summary>
    public static readonly RedisScript Release = new("""
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('DEL', KEYS[1])
          redis.call('PUBLISH', ARGV[2], ARGV[3])
          return 1
        end
        return 0
        """);
}
