using System;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Redis.Internal;
using StackExchange.Redis;

namespace SessionStores.Redis;

// Pipelined reads of found sessions for listings, counts and bulk deletes: a record that is not a session (another
// Redis type, an empty string, a damaged header) is told apart before any header is decoded.
public sealed partial class RedisSessionStore
{
    /// <summary>
    /// Waits for the pipelined reads of <see cref="FetchAsync"/> and finds the records that are not sessions before any
    /// header is decoded: a key of another Redis type, or an existing empty string, which is not absent either. <c>GET</c>
    /// tells an empty string from a missing key (an empty value, not nil); <c>GETRANGE</c> does not, so those few keys are
    /// read again with <c>GET</c>, pipelined: nil is absent, empty is corrupt, and anything else was written after this
    /// read began and is left out, as a session created during a listing may be. Any other error fails the read as the
    /// operation would.
    /// </summary>
    /// <returns>Per key, the corruption found, or <see langword="null"/>.</returns>
    private async Task<SessionDataCorruptedException?[]> FindNonSessionsAsync(
        IDatabase db, string[] ids, RedisKey[] keys, Task<RedisValue>[] values, Task<long>[]? lengths, CancellationToken cancellationToken)
    {
        var corrupt = new SessionDataCorruptedException?[ids.Length];
        var all = lengths is null ? Task.WhenAll(values) : Task.WhenAll(Task.WhenAll(values), Task.WhenAll(lengths));
        await FindWrongTypesAsync(all, i => lengths is null ? [values[i]] : [values[i], lengths[i]], ids, corrupt, cancellationToken).ConfigureAwait(false);

        List<(int Index, Task<RedisValue> Value)>? unclear = null;
        for (var i = 0; i < ids.Length; i++)
        {
            if (corrupt[i] is null && values[i].Result is { IsNull: false } value && ((ReadOnlyMemory<byte>)value).IsEmpty)
            {
                if (lengths is null)
                {
                    corrupt[i] = EmptyString(ids[i]);
                }
                else
                {
                    (unclear ??= []).Add((i, db.StringGetAsync(keys[i])));
                }
            }
        }

        if (unclear is not null)
        {
            // A key may have turned into another type since the first read: the same per-key rule applies.
            await FindWrongTypesAsync(
                Task.WhenAll(unclear.ConvertAll(u => u.Value)),
                i => unclear.Find(u => u.Index == i) is { Value: { } reread } ? [reread] : [],
                ids, corrupt, cancellationToken).ConfigureAwait(false);
            foreach (var (index, reread) in unclear)
            {
                if (corrupt[index] is null && !reread.Result.IsNull && ((ReadOnlyMemory<byte>)reread.Result).IsEmpty)
                {
                    corrupt[index] = EmptyString(ids[index]);
                }
            }
        }

        return corrupt;

        static SessionDataCorruptedException EmptyString(string id) => new(id, "the key holds an empty string");
    }

    /// <summary>
    /// Waits for pipelined reads; records, for each key that holds another Redis type, the corruption it is, and fails
    /// with the driver's error for any other (connection loss, timeouts, a cancelled command), for the runner to map.
    /// </summary>
    private static async Task FindWrongTypesAsync(
        Task all, Func<int, Task[]> readsOf, string[] ids, SessionDataCorruptedException?[] corrupt, CancellationToken cancellationToken)
    {
        try
        {
            await all.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            var found = false;
            for (var i = 0; i < ids.Length; i++)
            {
                foreach (var task in readsOf(i))
                {
                    if (task.Exception?.InnerException is RedisServerException server && server.Message.Contains("WRONGTYPE", StringComparison.Ordinal))
                    {
                        corrupt[i] ??= RedisBackend.Corruption(ids[i], server);
                        found = true;
                    }
                    else if (task.Exception?.InnerException is { } error)
                    {
                        ExceptionDispatchInfo.Throw(error);
                    }
                    else if (task.IsCanceled)
                    {
                        throw new TaskCanceledException(task);
                    }
                }
            }

            if (!found)
            {
                throw;
            }
        }
    }

    /// <summary>
    /// Reads the given sessions, pipelined: the whole value with data, else the header (with the subject) and the length;
    /// and each key's expiry (<c>PEXPIRETIME</c>), where the expiry lives.
    /// Returns null for sessions that are absent or expired; throws <see cref="SessionDataCorruptedException"/> for one
    /// that cannot be decoded, unless <c>undecodable</c> is given: then such a record (another Redis type, a damaged
    /// header, an empty string) is marked in it and left out instead.
    /// </summary>
    private async Task<SessionInfo?[]> FetchAsync(
        IDatabase db, string[] ids, bool includeData, CancellationToken cancellationToken, bool[]? undecodable = null)
    {
        var keys = new RedisKey[ids.Length];
        var values = new Task<RedisValue>[ids.Length];
        var lengths = includeData ? null : new Task<long>[ids.Length];
        var expiries = new Task<RedisResult>[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            keys[i] = _keys.Session(ids[i]);
            expiries[i] = db.ExecuteAsync("PEXPIRETIME", keys[i]);
            if (includeData)
            {
                values[i] = db.StringGetAsync(keys[i]);
            }
            else
            {
                values[i] = db.StringGetRangeAsync(keys[i], 0, RedisCodec.HeadRangeEnd);
                lengths![i] = db.StringLengthAsync(keys[i]);
            }
        }

        var corrupt = await FindNonSessionsAsync(db, ids, keys, values, lengths, cancellationToken).ConfigureAwait(false);
        await WhenAllAsync(expiries, keys, cancellationToken).ConfigureAwait(false);
        var infos = new SessionInfo?[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            if (corrupt[i] is { } notASession)
            {
                if (undecodable is null)
                {
                    throw notASession;
                }

                undecodable[i] = true;
                continue;
            }

            var value = values[i].Result;
            if (value.IsNull || ((ReadOnlyMemory<byte>)value).IsEmpty)
            {
                continue;
            }

            ReadOnlyMemory<byte> bytes = value;
            RedisCodec.Header header;
            long? expiresAtMs;
            try
            {
                header = RedisCodec.DecodeHeader(ids[i], bytes.Span, requireWholeSubject: true);
                expiresAtMs = RedisCodec.Expiry(ids[i], (long)expiries[i].Result);
            }
            catch (SessionDataCorruptedException) when (undecodable is not null)
            {
                undecodable[i] = true;
                continue;
            }

            var dataStart = RedisCodec.HeaderLength + header.SubjectLength;
            var size = includeData ? bytes.Length - dataStart : lengths![i].Result - dataStart;
            if (size < 0 || expiresAtMs is null)
            {
                // Deleted and re-created between the reads (the header no longer matches the length), or gone since.
                continue;
            }

            infos[i] = new SessionInfo(
                ids[i],
                header.Version,
                DateTimeOffset.FromUnixTimeMilliseconds(expiresAtMs.Value),
                DateTimeOffset.FromUnixTimeMilliseconds(header.CreatedAtMs),
                header.Subject,
                size,
                includeData ? (ReadOnlyMemory<byte>?)bytes[dataStart..] : null);
        }

        return infos;
    }

    /// <summary>Awaits pipelined commands; a failure of a session's command that says its record is not a session is
    /// reported as that session's corruption, any other failure is the driver's, for the runner to map.</summary>
    private async Task WhenAllAsync<T>(Task<T>[] tasks, IReadOnlyList<RedisKey> keys, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(tasks).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            for (var i = 0; i < tasks.Length; i++)
            {
                if (tasks[i].IsFaulted)
                {
                    var error = tasks[i].Exception!.InnerException!;
                    if (_keys.TryGetSessionId(keys[i]) is { } id && RedisBackend.Corruption(id, error) is { } corrupt)
                    {
                        throw corrupt;
                    }

                    ExceptionDispatchInfo.Throw(error);
                }
            }

            throw;
        }
    }
}
