using System;
using System.Security.Cryptography;
using System.Text;

namespace SessionStores.Postgres.Internal;

/// <summary>
/// The lease table beside a session table (<c>&lt;table&gt;_leases</c>: one row per id leased in the last hour) and its
/// statements. Expiry is decided by the database clock. The fence is one more than the row's last fence, or the server
/// clock in microseconds when that is larger: a release keeps the row (it only ends the lease), so the fence grows
/// strictly with every acquisition of an id, and the pruner removes a row only an hour after its lease ended, when no
/// acquisition that read the clock before it can still be running; the next acquisition then starts from the clock,
/// above every fence given out before.
/// </summary>
internal sealed class PostgresLeaseSql
{
    public PostgresLeaseSql(string schemaName, string tableName)
    {
        var schema = PostgresSql.Quote(schemaName);
        Table = schema + "." + PostgresSql.Quote(tableName + "_leases");
        ExpiresIndex = PostgresSql.Quote(tableName + "_leases_exp");

        // At most 63 bytes, whatever the table's name: a fixed prefix and a hash of the quoted lease table.
        Channel = "sessionstores_lease_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Table)))[..24];
        Listen = "LISTEN " + PostgresSql.Quote(Channel);

        const string Expiry = "now() + $3 * interval '1 millisecond'";

        // $1 id, $2 owner, $3 duration ms. A free id is inserted; an expired lease is retaken; a live one is left alone
        // (and locked until the statement ends, so the remaining-time read after it sees its holder).
        Acquire =
            $"INSERT INTO {Table} AS l (id, owner, fence, expires_at) " +
            $"VALUES ($1, $2, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, {Expiry}) " +
            "ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, fence = greatest(l.fence + 1, excluded.fence), expires_at = excluded.expires_at " +
            "WHERE l.expires_at <= now() RETURNING fence";
        HolderRemaining = $"SELECT ceil(extract(epoch FROM (expires_at - now())) * 1000)::bigint FROM {Table} WHERE id = $1 AND expires_at > now()";

        // $1 id, $2 owner, $3 duration ms.
        Renew = $"UPDATE {Table} SET expires_at = {Expiry} WHERE id = $1 AND owner = $2 AND expires_at > now()";

        // $1 id, $2 owner, $3 channel. Ends the owner's live lease (the row and its fence stay) and wakes the waiters of
        // every process: NOTIFY is delivered when the statement commits.
        Release =
            $"UPDATE {Table} SET owner = '', expires_at = now() WHERE id = $1 AND owner = $2 AND expires_at > now() " +
            "RETURNING pg_notify($3, id)::text";

        // $1 batch size. Rows whose lease ended over an hour ago (see the class summary), oldest first; rows an
        // acquisition holds are skipped.
        PruneBatch =
            $"DELETE FROM {Table} WHERE id IN (SELECT id FROM {Table} WHERE expires_at < now() - interval '1 hour' " +
            "ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)";

        // Asks the catalog, so a missing table costs no ERROR line in the server log; $1 = Table (quoted, qualified).
        Exists = "SELECT to_regclass($1) IS NOT NULL";
    }

    public string Table { get; }

    public string Channel { get; }

    public string Listen { get; }

    public string Acquire { get; }

    public string HolderRemaining { get; }

    public string Renew { get; }

    public string Release { get; }

    public string Exists { get; }

    public string ExpiresIndex { get; }

    public string PruneBatch { get; }

    /// <summary>The lease table's DDL, part of every schema script.</summary>
    public string CreateTable(bool unlogged) =>
        (unlogged ? "CREATE UNLOGGED TABLE IF NOT EXISTS " : "CREATE TABLE IF NOT EXISTS ") + Table + " (\n" +
        "    id         text COLLATE \"C\" NOT NULL PRIMARY KEY,\n" +
        "    owner      text COLLATE \"C\" NOT NULL,\n" +
        "    fence      bigint NOT NULL,\n" +
        "    expires_at timestamptz NOT NULL\n);\n" +
        "CREATE INDEX IF NOT EXISTS " + ExpiresIndex + " ON " + Table + " (expires_at);\n";
}
