namespace SessionStores.ExpressCompat.Internal;

/// <summary>
/// The SQL of connect-pg-simple's table, as that package reads and writes it: <c>sid</c> (varchar, primary key),
/// <c>sess</c> (json: the session JSON, text kept as written), <c>expire</c> (timestamp(6) without time zone, written as
/// <c>to_timestamp(whole seconds)</c>, so in the server's TimeZone, and compared with the server's now). Expiry is
/// whole seconds (rounded up), as connect-pg-simple writes it; the server's clock decides.
/// </summary>
internal sealed class ExpressPostgresCommands
{
    private const string ExpiresMs = "(extract(epoch from expire::timestamptz) * 1000)::bigint";
    private const string NewExpire = "to_timestamp(ceil(extract(epoch from now()) + $2))";

    public ExpressPostgresCommands(string? schema, string table)
    {
        var quoted = schema is null ? $"\"{table}\"" : $"\"{schema}\".\"{table}\"";
        CreateSchema = $"""
            CREATE TABLE IF NOT EXISTS {quoted} (
              "sid" varchar NOT NULL COLLATE "default",
              "sess" json NOT NULL,
              "expire" timestamp(6) NOT NULL,
              CONSTRAINT "{table}_pkey" PRIMARY KEY ("sid") NOT DEFERRABLE INITIALLY IMMEDIATE);
            CREATE INDEX IF NOT EXISTS "IDX_{table}_expire" ON {quoted} ("expire");
            """;
        Get = $"SELECT sess::text, {ExpiresMs} FROM {quoted} WHERE sid = $1 AND expire > now()";
        GetAndTouch = $"UPDATE {quoted} SET expire = {NewExpire} WHERE sid = $1 AND expire > now() RETURNING sess::text, {ExpiresMs}";
        Set = $"INSERT INTO {quoted} (sid, expire, sess) VALUES ($1, {NewExpire}, $3::json) ON CONFLICT (sid) DO UPDATE SET sess = EXCLUDED.sess, expire = EXCLUDED.expire";
        Touch = $"UPDATE {quoted} SET expire = {NewExpire} WHERE sid = $1 AND expire > now()";
        Destroy = $"DELETE FROM {quoted} WHERE sid = $1 RETURNING expire > now()";
    }

    public string CreateSchema { get; }

    public string Get { get; }

    /// <summary>$1 sid, $2 ttl in seconds.</summary>
    public string GetAndTouch { get; }

    /// <summary>$1 sid, $2 ttl in seconds, $3 the session JSON.</summary>
    public string Set { get; }

    /// <summary>$1 sid, $2 ttl in seconds.</summary>
    public string Touch { get; }

    /// <summary>$1 sid; one row, true when what it deleted was live.</summary>
    public string Destroy { get; }
}
