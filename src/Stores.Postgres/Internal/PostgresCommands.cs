using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SessionStores.Postgres.Internal;

/// <summary>
/// Every statement the store sends, built once per store from its quoted table name. Values are always positional
/// parameters ($1, $2, …): Npgsql sends them without rewriting the SQL text, and nothing a caller passes is ever
/// spliced into a statement.
/// </summary>
/// <remarks>
/// Leases live in the table beside the session table (<c>&lt;table&gt;_leases</c>: one row per id leased in the last
/// hour). Expiry is decided by the database clock. The fence is one more than the row's last fence, or the server clock
/// in microseconds when that is larger: a release keeps the row (it only ends the lease), so the fence grows strictly
/// with every acquisition of an id, and the pruner removes a row only an hour after its lease ended, when no acquisition
/// that read the clock before it can still be running; the next acquisition then starts from the clock, above every
/// fence given out before.
/// </remarks>
internal sealed partial class PostgresCommands
{
    /// <summary>The schema version this library writes and understands.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The table, per schema, that records which schema version each session table has.</summary>
    public const string VersionTableName = "sessionstores_schema";

    // The database clock decides expiry. now() is the start of the (single-statement) transaction; truncating to whole
    // milliseconds matches the contract's precision and the reference store.
    private const string NowMs = "date_trunc('milliseconds', now())";

    public PostgresCommands(string schemaName, string tableName)
    {
        Schema = Quote(schemaName);
        Table = Schema + "." + Quote(tableName);
        VersionTable = Schema + "." + Quote(VersionTableName);
        ExpiresIndex = Quote(tableName + "_expires_idx");
        SubjectIndex = Quote(tableName + "_subject_idx");
        LeaseTable = Schema + "." + Quote(tableName + "_leases");
        LeaseExpiresIndex = Quote(tableName + "_leases_exp");

        // At most 63 bytes, whatever the table's name: a fixed prefix and a hash of the quoted lease table.
        LeaseChannel = "sessionstores_lease_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(LeaseTable)))[..24];
        ListenForLeases = "LISTEN " + Quote(LeaseChannel);

        const string Columns = "data, version, expires_at, created_at, subject";
        const string Live = "expires_at > now()";

        Get = $"SELECT {Columns} FROM {Table} WHERE id = $1 AND {Live}";

        // A row with an impossible version (corrupt) is matched but left as it was, so the caller gets the corrupt-data
        // exception and nothing changes.
        GetAndTouch =
            $"UPDATE {Table} SET expires_at = CASE WHEN version > 0 THEN {Expiry("$2")} ELSE expires_at END " +
            $"WHERE id = $1 AND {Live} RETURNING {Columns}";

        // With a threshold: rewrite only when the new expiry is at least $3 ms away from the stored one. The read and the
        // conditional write are one statement; the returned expiry is the one stored after it.
        GetAndTouchWithThreshold =
            $"WITH cur AS (SELECT {Columns} FROM {Table} WHERE id = $1 AND {Live}), " +
            $"upd AS (UPDATE {Table} SET expires_at = {Expiry("$2")} WHERE id = $1 AND {Live} AND version > 0 AND {FarFrom("$2", "$3")} RETURNING expires_at) " +
            "SELECT cur.data, cur.version, coalesce((SELECT expires_at FROM upd), cur.expires_at), cur.created_at, cur.subject FROM cur";

        Touch =
            $"UPDATE {Table} SET expires_at = CASE WHEN version > 0 THEN {Expiry("$2")} ELSE expires_at END " +
            $"WHERE id = $1 AND {Live} RETURNING version";

        TouchWithThreshold =
            $"WITH cur AS (SELECT version FROM {Table} WHERE id = $1 AND {Live}), " +
            $"upd AS (UPDATE {Table} SET expires_at = {Expiry("$2")} WHERE id = $1 AND {Live} AND version > 0 AND {FarFrom("$2", "$3")} RETURNING 1) " +
            "SELECT version FROM cur";

        // $1 id, $2 data, $3 ttl ms, $4 subject. A live, decodable row keeps its created_at and gets version + 1; an
        // expired or corrupt one is replaced as a new session.
        const string KeepsLiveRow = "s.expires_at > now() AND s.version > 0";
        SetUnconditional =
            $"INSERT INTO {Table} AS s (id, data, expires_at, version, subject, created_at) " +
            $"VALUES ($1, $2, {Expiry("$3")}, 1, $4, {NowMs}) " +
            "ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at, subject = excluded.subject, " +
            $"version = CASE WHEN {KeepsLiveRow} THEN s.version + 1 ELSE 1 END, " +
            $"created_at = CASE WHEN {KeepsLiveRow} THEN s.created_at ELSE excluded.created_at END " +
            "RETURNING version";

        // Create only: an expired row counts as absent and is replaced as a new session. ON CONFLICT locks the row it
        // meets even when the WHERE is false, so the version read after it (CurrentVersion, same implicit transaction)
        // is exactly the one that caused the conflict.
        SetCreateOnly =
            $"INSERT INTO {Table} AS s (id, data, expires_at, version, subject, created_at) " +
            $"VALUES ($1, $2, {Expiry("$3")}, 1, $4, {NowMs}) " +
            "ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at, subject = excluded.subject, " +
            "version = 1, created_at = excluded.created_at WHERE s.expires_at <= now() " +
            "RETURNING version";

        // $5 expected version (>= 1).
        SetIfVersion =
            $"UPDATE {Table} SET data = $2, expires_at = {Expiry("$3")}, subject = $4, version = version + 1 " +
            $"WHERE id = $1 AND {Live} AND version = $5 RETURNING version";

        // Runs in the same batch (one round trip, one implicit transaction) after a conditional write; being a separate
        // statement it takes a fresh snapshot, so it sees the version a concurrent writer just committed.
        CurrentVersion = $"SELECT version FROM {Table} WHERE id = $1 AND {Live}";

        Destroy = $"DELETE FROM {Table} WHERE id = $1 RETURNING {Live}";

        // DestroyMany deletes in batches, each its own short transaction, so a large namespace is never locked whole
        // until one commit. A batch reads the next $2 ids after $1 in key order ('' first; $3 = subject) from the
        // statement's snapshot, then deletes them by primary key (an index scan, whatever the planner thinks of the
        // table's size); it returns how many ids it read, the last of them (the next cursor) and how many live rows it
        // deleted. The cursor comes from what was read, not from what was deleted, so rows a concurrent Destroy took
        // first never end the walk early. A row a request holds is waited for (one short statement), never skipped, so
        // no session that existed when the call began outlives it; the subject is checked again at deletion, so a
        // session that changed hands meanwhile is left alone.
        DestroyAllBatch = DeleteBatch($"SELECT id, id AS cur FROM {Table} WHERE id > $1 ORDER BY id LIMIT $2", string.Empty, "FILTER (WHERE live)");
        DestroyBySubjectBatch = DeleteBatch(
            $"SELECT id, id AS cur FROM {Table} WHERE subject = $3 AND id > $1 ORDER BY id LIMIT $2", " AND subject = $3", "FILTER (WHERE live)");

        CountAll = $"SELECT count(*) FROM {Table} WHERE {Live}";
        CountBySubject = $"SELECT count(*) FROM {Table} WHERE {Live} AND subject = $1";

        // Keyset paging on the primary key: each page is one indexed range read, and with no concurrent writes every
        // live row appears exactly once. $1 = last id seen ('' first), $2 = page size, $3 = subject.
        const string ListColumns = "id, version, expires_at, created_at, subject, octet_length(data)";
        ListPage = $"SELECT {ListColumns} FROM {Table} WHERE {Live} AND id > $1 ORDER BY id LIMIT $2";
        ListPageWithData = $"SELECT {ListColumns}, data FROM {Table} WHERE {Live} AND id > $1 ORDER BY id LIMIT $2";
        ListPageBySubject = $"SELECT {ListColumns} FROM {Table} WHERE {Live} AND subject = $3 AND id > $1 ORDER BY id LIMIT $2";
        ListPageBySubjectWithData = $"SELECT {ListColumns}, data FROM {Table} WHERE {Live} AND subject = $3 AND id > $1 ORDER BY id LIMIT $2";

        // One pruning batch, the same walk as DestroyMany's: the oldest expired rows from $1 on (keyset: each batch starts
        // where the last one ended, so it never walks again over the index entries of rows the earlier batches deleted,
        // which stay in the index until vacuum and made every batch slower than the one before), rows a live request
        // holds skipped (SKIP LOCKED), expiry re-checked at deletion; $2 = batch size. Counts every row deleted.
        PruneBatch = DeleteBatch(
            $"SELECT id, expires_at AS cur FROM {Table} WHERE expires_at <= now() AND expires_at >= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            " AND expires_at <= now()",
            string.Empty);

        ReadSchemaVersion = $"SELECT version FROM {VersionTable} WHERE table_name = $1";

        // Asks the catalog, which never fails: reading a missing table would, and every failed statement is an ERROR line
        // in the server's log. $1 = the table, quoted and qualified, so it names exactly the table the statements use.
        TableExists = "SELECT to_regclass($1) IS NOT NULL";

        // By name, as a parameter: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists.
        SchemaExists = "SELECT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = $1)";
        CreateSchema = $"CREATE SCHEMA IF NOT EXISTS {Schema}";

        const string LeaseExpiry = "now() + $3 * interval '1 millisecond'";

        // $1 id, $2 owner, $3 duration ms. A free id is inserted; an expired lease is retaken; a live one is left alone
        // (and locked until the statement ends, so the remaining-time read after it sees its holder).
        AcquireLease =
            $"INSERT INTO {LeaseTable} AS l (id, owner, fence, expires_at) " +
            $"VALUES ($1, $2, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, {LeaseExpiry}) " +
            "ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, fence = greatest(l.fence + 1, excluded.fence), expires_at = excluded.expires_at " +
            "WHERE l.expires_at <= now() RETURNING fence";
        LeaseHolderRemaining = $"SELECT ceil(extract(epoch FROM (expires_at - now())) * 1000)::bigint FROM {LeaseTable} WHERE id = $1 AND expires_at > now()";

        // $1 id, $2 owner, $3 duration ms.
        RenewLease = $"UPDATE {LeaseTable} SET expires_at = {LeaseExpiry} WHERE id = $1 AND owner = $2 AND expires_at > now()";

        // $1 id, $2 owner, $3 channel. Ends the owner's live lease (the row and its fence stay) and wakes the waiters of
        // every process: NOTIFY is delivered when the statement commits.
        ReleaseLease =
            $"UPDATE {LeaseTable} SET owner = '', expires_at = now() WHERE id = $1 AND owner = $2 AND expires_at > now() " +
            "RETURNING pg_notify($3, id)::text";

        // $1 batch size. Rows whose lease ended over an hour ago (see the class remarks), oldest first; rows an
        // acquisition holds are skipped.
        PruneLeaseBatch =
            $"DELETE FROM {LeaseTable} WHERE id IN (SELECT id FROM {LeaseTable} WHERE expires_at < now() - interval '1 hour' " +
            "ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)";

        // A keyset batch of deletes: $select picks the next ids (and a cursor column, cur) from the statement's snapshot, then
        // they are deleted by primary key (an array, so each is an index lookup whatever the planner thinks of the table's
        // size), $recheck re-checked at deletion. Returns the rows picked, the last cursor (where the next batch starts)
        // and the rows deleted, counted with $countFilter.
        string DeleteBatch(string select, string recheck, string countFilter) =>
            $"WITH batch AS (SELECT array_agg(id) AS ids, count(*) AS n, max(cur) AS last FROM ({select}) b), " +
            $"d AS (DELETE FROM {Table} WHERE id = ANY ((SELECT ids FROM batch)::text[]){recheck} RETURNING {Live} AS live) " +
            $"SELECT n, last, (SELECT count(*) {countFilter} FROM d) FROM batch";

        InvalidationChannel = "sessionstores_inv_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Table)))[..24];
    }

    public string Schema { get; }

    public string Table { get; }

    public string VersionTable { get; }

    public string ExpiresIndex { get; }

    public string SubjectIndex { get; }

    public string LeaseTable { get; }

    public string LeaseExpiresIndex { get; }

    /// <summary>The NOTIFY channel of lease releases.</summary>
    public string LeaseChannel { get; }

    public string Get { get; }

    public string GetAndTouch { get; }

    public string GetAndTouchWithThreshold { get; }

    public string Touch { get; }

    public string TouchWithThreshold { get; }

    public string SetUnconditional { get; }

    public string SetCreateOnly { get; }

    public string SetIfVersion { get; }

    public string CurrentVersion { get; }

    public string Destroy { get; }

    public string DestroyAllBatch { get; }

    public string DestroyBySubjectBatch { get; }

    public string CountAll { get; }

    public string CountBySubject { get; }

    public string ListPage { get; }

    public string ListPageWithData { get; }

    public string ListPageBySubject { get; }

    public string ListPageBySubjectWithData { get; }

    public string PruneBatch { get; }

    public string ReadSchemaVersion { get; }

    public string TableExists { get; }

    public string SchemaExists { get; }

    public string CreateSchema { get; }

    public string ListenForLeases { get; }

    public string AcquireLease { get; }

    public string LeaseHolderRemaining { get; }

    public string RenewLease { get; }

    public string ReleaseLease { get; }

    public string PruneLeaseBatch { get; }

    /// <summary>Quotes an identifier: always, so names that need quoting (upper case, dots, spaces, quotes) just work.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// The script a DBA runs: the schema (created only when missing, see <see cref="CreateSchemaWhenMissing"/>), then
    /// <see cref="CreateTablesScript"/>.
    /// </summary>
    public string DbaScript(string schemaName, string tableName, bool unlogged) =>
        CreateSchemaWhenMissing(schemaName) + CreateTablesScript(tableName, unlogged);

    /// <summary>The DDL of schema version 1 below the schema: what the store runs under its advisory lock once the schema
    /// exists, and the rest of what DBAs run.</summary>
    public string CreateTablesScript(string tableName, bool unlogged)
    {
        var sb = new StringBuilder();
        sb.Append("CREATE TABLE IF NOT EXISTS ").Append(VersionTable).Append(" (\n")
          .Append("    table_name text COLLATE \"C\" NOT NULL PRIMARY KEY,\n")
          .Append("    version    integer NOT NULL,\n")
          .Append("    applied_at timestamptz NOT NULL DEFAULT now()\n);\n");
        sb.Append(unlogged ? "CREATE UNLOGGED TABLE IF NOT EXISTS " : "CREATE TABLE IF NOT EXISTS ").Append(Table).Append(" (\n")
          .Append("    id         text COLLATE \"C\" NOT NULL PRIMARY KEY,\n")
          .Append("    data       bytea NOT NULL,\n")
          .Append("    expires_at timestamptz NOT NULL,\n")
          .Append("    version    bigint NOT NULL,\n")
          .Append("    subject    text COLLATE \"C\",\n")
          .Append("    created_at timestamptz NOT NULL\n);\n");
        sb.Append("CREATE INDEX IF NOT EXISTS ").Append(ExpiresIndex).Append(" ON ").Append(Table).Append(" (expires_at);\n");
        sb.Append("CREATE INDEX IF NOT EXISTS ").Append(SubjectIndex).Append(" ON ").Append(Table).Append(" (subject) WHERE subject IS NOT NULL;\n");
        sb.Append(CreateLeaseTable(unlogged));
        sb.Append("INSERT INTO ").Append(VersionTable).Append(" (table_name, version) VALUES (")
          .Append(Literal(tableName)).Append(", ").Append(SchemaVersion.ToString(CultureInfo.InvariantCulture))
          .Append(") ON CONFLICT (table_name) DO NOTHING;\n");
        return sb.ToString();
    }

    /// <summary>The lease table's DDL, part of every schema script.</summary>
    public string CreateLeaseTable(bool unlogged) =>
        (unlogged ? "CREATE UNLOGGED TABLE IF NOT EXISTS " : "CREATE TABLE IF NOT EXISTS ") + LeaseTable + " (\n" +
        "    id         text COLLATE \"C\" NOT NULL PRIMARY KEY,\n" +
        "    owner      text COLLATE \"C\" NOT NULL,\n" +
        "    fence      bigint NOT NULL,\n" +
        "    expires_at timestamptz NOT NULL\n);\n" +
        "CREATE INDEX IF NOT EXISTS " + LeaseExpiresIndex + " ON " + LeaseTable + " (expires_at);\n";

    // CREATE SCHEMA IF NOT EXISTS checks CREATE on the database before it looks for the schema, so a role that may
    // create tables in an existing schema, but not schemas, would fail on it. A script cannot take parameters, so the
    // name is a literal inside a dollar-quoted block whose tag does not occur in it.
    private string CreateSchemaWhenMissing(string schemaName)
    {
        var body = "\nBEGIN\n" +
                   "    IF NOT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = " + Literal(schemaName) + ") THEN\n" +
                   "        CREATE SCHEMA " + Schema + ";\n" +
                   "    END IF;\n" +
                   "END\n";
        var tag = "$sessionstores$";
        while (body.Contains(tag, StringComparison.Ordinal))
        {
            tag = tag[..^1] + "_$";
        }

        return "DO " + tag + body + tag + ";\n";
    }

    // The new expiry: the database's now, in whole milliseconds, plus the TTL parameter (milliseconds).
    private static string Expiry(string ttlParameter) => $"({NowMs} + {ttlParameter} * interval '1 millisecond')";

    // True when the stored expiry is at least the threshold away from the new one, in either direction.
    private static string FarFrom(string ttlParameter, string thresholdParameter) =>
        $"(expires_at <= {Expiry(ttlParameter)} - {thresholdParameter} * interval '1 millisecond' " +
        $"OR expires_at >= {Expiry(ttlParameter)} + {thresholdParameter} * interval '1 millisecond')";

    // Only for the DDL script, which cannot take parameters: a standard-conforming string literal.
    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
