using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace SessionStores.Postgres.Internal;

/// <summary>
/// How a session is stored in its row and read back.
/// </summary>
/// <remarks>
/// One row per session (see <see cref="PostgresCommands.CreateTablesScript"/>): <c>id</c> text (the session id, binary
/// collation), <c>data</c> bytea (the payload as given), <c>expires_at</c> and <c>created_at</c> timestamptz (database
/// clock, whole milliseconds), <c>version</c> bigint (1 on creation, one more on every write; anything below 1 was not
/// written by this library and reads as corrupt) and <c>subject</c> text (null without one). Reads select the columns
/// in the order <c>data, version, expires_at, created_at, subject</c>; listings select
/// <c>id, version, expires_at, created_at, subject, octet_length(data)</c> and then <c>data</c> when asked for. Every
/// value travels as a typed positional parameter; times to live as whole milliseconds (bigint).
/// </remarks>
internal static class PostgresCodec
{
    public static NpgsqlParameter<string> Text(string value) => new() { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = value };

    public static NpgsqlParameter<long> Bigint(long value) => new() { NpgsqlDbType = NpgsqlDbType.Bigint, TypedValue = value };

    public static NpgsqlParameter<int> Integer(int value) => new() { NpgsqlDbType = NpgsqlDbType.Integer, TypedValue = value };

    public static NpgsqlParameter<long> Milliseconds(TimeSpan duration) => Bigint(SessionValidation.ToMilliseconds(duration));

    /// <summary>$1 id, $2 data, $3 time to live (ms), $4 subject: the parameters of every write.</summary>
    public static void AddWrite(NpgsqlParameterCollection parameters, string id, in SessionWrite write)
    {
        parameters.Add(Text(id));
        parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { NpgsqlDbType = NpgsqlDbType.Bytea, TypedValue = write.Data });
        parameters.Add(Milliseconds(write.Ttl));
        parameters.Add(write.Subject is null
            ? new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = DBNull.Value }
            : Text(write.Subject));
    }

    /// <summary>Reads the session the current result of <paramref name="reader"/> returns, if any.</summary>
    public static async Task<SessionRecord?> ReadRecordAsync(NpgsqlDataReader reader, string id, CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var version = CheckVersion(id, reader.GetInt64(1));
        return new SessionRecord(
            id,
            reader.GetFieldValue<byte[]>(0),
            version,
            reader.GetFieldValue<DateTimeOffset>(2),
            reader.GetFieldValue<DateTimeOffset>(3),
            reader.IsDBNull(4) ? null : reader.GetString(4));
    }

    /// <summary>The listing row the reader is on.</summary>
    public static SessionInfo ReadInfo(NpgsqlDataReader reader, bool includeData)
    {
        var id = reader.GetString(0);
        return new SessionInfo(
            id,
            CheckVersion(id, reader.GetInt64(1)),
            reader.GetFieldValue<DateTimeOffset>(2),
            reader.GetFieldValue<DateTimeOffset>(3),
            reader.IsDBNull(4) ? null : reader.GetString(4),
            reader.GetInt32(5),
            includeData ? new ReadOnlyMemory<byte>(reader.GetFieldValue<byte[]>(6)) : (ReadOnlyMemory<byte>?)null);
    }

    /// <summary>Every version this store writes is 1 or more; anything else was written behind its back.</summary>
    public static long CheckVersion(string id, long version) =>
        version >= 1 ? version : throw new SessionDataCorruptedException(id, $"its version is {version}, and versions start at 1");
}
