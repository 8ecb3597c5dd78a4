using System;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionStores.Redis.Internal;

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

    public Task<RedisResult> EvaluateAsync(IDatabaseAsync db, RedisKey[] keys, RedisValue[] values)
    {
        var byHash = db.ScriptEvaluateAsync(_hash, keys, values);

        // The common case completes without the retry wrapper's state machine.
        return byHash.IsCompletedSuccessfully ? byHash : WithFallbackAsync(byHash, db, keys, values);
    }

    private async Task<RedisResult> WithFallbackAsync(Task<RedisResult> byHash, IDatabaseAsync db, RedisKey[] keys, RedisValue[] values)
    {
        try
        {
            return await byHash.ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await db.ScriptEvaluateAsync(_source, keys, values).ConfigureAwait(false);
        }
    }
}
