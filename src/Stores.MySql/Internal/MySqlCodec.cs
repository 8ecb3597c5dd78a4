using System;
using System.Text;
using MySqlConnector;

namespace SessionStores.MySql.Internal;

/// <summary>
/// How a session is stored in its row and read back.
/// </summary>
/// <remarks>
/// <para>One row per session (see <see cref="MySqlCommands.CreateTable"/>): <c>id</c> VARCHAR(256) ascii_bin (the session
/// id, compared byte for byte, so ids differing only in case are different sessions), <c>data</c> LONGBLOB (the payload
/// as given), <c>version</c> BIGINT (1 on creation, one more on every write; anything below 1 was not written by this
/// library and reads as corrupt), <c>expires_at_ms</c> and <c>created_at_ms</c> BIGINT (Unix time in milliseconds on the
/// server's clock, <c>UTC_TIMESTAMP(6)</c>, so neither the application's clock nor a session time zone plays a part) and
/// <c>subject</c> VARBINARY(768) (its UTF-8 bytes, compared byte for byte; NULL without one). A later format would be a new schema version, recorded
/// in the table's comment.</para>
/// <para>Reads select <c>data, version, expires_at_ms, created_at_ms, subject</c>; listings select
/// <c>id, version, expires_at_ms, created_at_ms, subject, LENGTH(data)</c> and then <c>data</c> when asked for. Every
/// value travels as a named parameter; times to live as whole milliseconds.</para>
/// <para>What cannot be decoded is a <see cref="SessionDataCorruptedException"/> naming the session and the reason,
/// never a default value: the read that met it throws (see that type for the policy).</para>
/// </remarks>
internal static class MySqlCodec
{
    public static void Add(MySqlCommand command, string name, object? value) =>
        command.Parameters.Add(new MySqlParameter(name, value ?? DBNull.Value));

    /// <summary>@id, @data, @ttl (ms) and @subject: the parameters of every write.</summary>
    public static void AddWrite(MySqlCommand command, string id, in SessionWrite write)
    {
        Add(command, "@id", id);
        command.Parameters.Add(new MySqlParameter("@data", MySqlDbType.LongBlob) { Value = write.Data });
        Add(command, "@ttl", SessionValidation.ToMilliseconds(write.Ttl));
        AddSubject(command, write.Subject);
    }

    /// <summary>@subject: its UTF-8 bytes, as the column holds them, or NULL.</summary>
    public static void AddSubject(MySqlCommand command, string? subject) =>
        Add(command, "@subject", subject is null ? null : Encoding.UTF8.GetBytes(subject));

    /// <summary>The session row the reader is on (columns as <see cref="MySqlCommands.Get"/> selects them).</summary>
    public static SessionRecord ReadRecord(MySqlDataReader reader, string id) =>
        new(
            id,
            reader.GetFieldValue<byte[]>(0),
            CheckVersion(id, reader.GetInt64(1)),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
            ReadSubject(reader));

    /// <summary>The listing row the reader is on.</summary>
    public static SessionInfo ReadInfo(MySqlDataReader reader, bool includeData)
    {
        var id = reader.GetString(0);
        return new SessionInfo(
            id,
            CheckVersion(id, reader.GetInt64(1)),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
            ReadSubject(reader),
            reader.GetInt64(5),
            includeData ? new ReadOnlyMemory<byte>(reader.GetFieldValue<byte[]>(6)) : (ReadOnlyMemory<byte>?)null);
    }

    private static string? ReadSubject(MySqlDataReader reader) => reader.IsDBNull(4) ? null : Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(4));

    /// <summary>Every version this store writes is 1 or more; anything else was written behind its back.</summary>
    public static long CheckVersion(string id, long version) =>
        version >= 1 ? version : throw new SessionDataCorruptedException(id, $"its version is {version}, and versions start at 1");
}
