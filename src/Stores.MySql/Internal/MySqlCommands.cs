using System;
using System.Globalization;

namespace SessionStores.MySql.Internal;

/// <summary>
/// Every statement the store sends, written once for its table. Values are always named parameters; nothing a caller
/// passes is spliced into a statement (the table name is validated and quoted).
/// </summary>
/// <remarks>
/// <para>The server's clock decides expiry: <see cref="NowMs"/> is Unix time in milliseconds from <c>UTC_TIMESTAMP(6)</c>
/// (evaluated once per statement), independent of time zones and of the application's clock. Expired rows are
/// invisible to every statement at once; the pruner deletes them later.</para>
/// <para>A statement pair sent as one command text is one round trip (MySqlConnector always allows several statements);
/// where the pair must see one state of the row it runs inside <c>START TRANSACTION … COMMIT</c>, and a connection
/// abandoned mid-way is rolled back when the pool resets it.</para>
/// </remarks>
internal sealed class MySqlCommands
{
    /// <summary>The schema version this library creates and understands, recorded in the table's comment.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The comment that marks a table of <see cref="SchemaVersion"/>.</summary>
    public static readonly string SchemaComment = "SessionStores.MySql schema " + SchemaVersion.ToString(CultureInfo.InvariantCulture);

    private const string NowMs = "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)";
    private const string Live = "expires_at_ms > " + NowMs;
    private const string NewExpiry = NowMs + " + @ttl";
    private const string Columns = "data, version, expires_at_ms, created_at_ms, subject";
    private const string ListColumns = "id, version, expires_at_ms, created_at_ms, subject, LENGTH(data)";

    /// <summary>Creates the commands of one table.</summary>
    /// <param name="tableName">The validated <see cref="MySqlSessionStoreOptions.TableName"/>.</param>
    public MySqlCommands(string tableName)
    {
        ArgumentException.ThrowIfNullOrEmpty(tableName);
        TableName = tableName;
        Table = "`" + tableName + "`";
        LeaseTable = "`" + tableName + "_leases`";

        Get = $"SELECT {Columns} FROM {Table} WHERE id = @id AND {Live}";

        // A corrupt row (version below 1) is not touched but still read, so the caller gets the corrupt-data exception.
        GetAndTouch = $"UPDATE {Table} SET expires_at_ms = {NewExpiry} WHERE id = @id AND {Live} AND version > 0;\n{Get}";

        // ROW_COUNT() counts the rows the UPDATE matched (the connection reports found rows), so a touch to the expiry the
        // row already has still counts; the version read after it tells a corrupt row from an absent one.
        Touch =
            $"UPDATE {Table} SET expires_at_ms = {NewExpiry} WHERE id = @id AND {Live} AND version > 0;\n" +
            $"SELECT ROW_COUNT(), (SELECT version FROM {Table} WHERE id = @id AND {Live})";

        // A live, decodable row keeps its created_at_ms and gets version + 1; an expired or corrupt one is replaced as a
        // new session. The assignments read only columns assigned after them, so MariaDB's SIMULTANEOUS_ASSIGNMENT mode
        // gives the same result. No VALUES(): MySQL 8.0.20+ warns that it is deprecated, and MariaDB lacks the row alias
        // that replaces it, so @data is simply sent twice. The version read after it, in the same transaction under the
        // row lock the write took, is the one it wrote.
        const string KeepsLiveRow = "expires_at_ms > " + NowMs + " AND version > 0";
        SetUnconditional =
            "START TRANSACTION;\n" +
            $"INSERT INTO {Table} (id, data, version, expires_at_ms, created_at_ms, subject) VALUES (@id, @data, 1, {NewExpiry}, {NowMs}, @subject) " +
            $"ON DUPLICATE KEY UPDATE created_at_ms = IF({KeepsLiveRow}, created_at_ms, {NowMs}), version = IF({KeepsLiveRow}, version + 1, 1), " +
            $"data = @data, expires_at_ms = {NewExpiry}, subject = @subject;\n" +
            $"SELECT version FROM {Table} WHERE id = @id;\nCOMMIT";

        // Create only: an expired row counts as absent and is deleted first; the INSERT then fails with a duplicate key
        // (1062) exactly when a live session holds the id, and the store reads its version (CurrentVersion). Each
        // statement commits on its own: no gap lock is held across them, so concurrent creators cannot deadlock.
        SetCreateOnly =
            $"DELETE FROM {Table} WHERE id = @id AND expires_at_ms <= {NowMs};\n" +
            $"INSERT INTO {Table} (id, data, version, expires_at_ms, created_at_ms, subject) VALUES (@id, @data, 1, {NewExpiry}, {NowMs}, @subject)";

        // @expected >= 1. Success is ROW_COUNT() = 1 (the version is then @expected + 1). The UPDATE locks the row it looked
        // at (or the gap where it would be) until COMMIT, so on a conflict the version read is exactly the one that
        // caused it.
        SetIfVersion =
            "START TRANSACTION;\n" +
            $"UPDATE {Table} SET data = @data, version = version + 1, expires_at_ms = {NewExpiry}, subject = @subject " +
            $"WHERE id = @id AND {Live} AND version = @expected;\n" +
            $"SELECT ROW_COUNT(), (SELECT version FROM {Table} WHERE id = @id AND {Live});\nCOMMIT";

        CurrentVersion = $"SELECT version FROM {Table} WHERE id = @id AND {Live}";

        Destroy = $"DELETE FROM {Table} WHERE id = @id AND {Live}";

        CountAll = $"SELECT COUNT(*) FROM {Table} WHERE {Live}";
        CountBySubject = $"SELECT COUNT(*) FROM {Table} WHERE subject = @subject AND {Live}";

        // Keyset paging on the primary key (or on (subject, id)): each page is one range read of an index, and with no
        // concurrent writes every live row appears exactly once. @after = last id seen ('' first).
        ListPage = $"SELECT {ListColumns} FROM {Table} WHERE id > @after AND {Live} ORDER BY id LIMIT @limit";
        ListPageWithData = $"SELECT {ListColumns}, data FROM {Table} WHERE id > @after AND {Live} ORDER BY id LIMIT @limit";
        ListPageBySubject = $"SELECT {ListColumns} FROM {Table} WHERE subject = @subject AND id > @after AND {Live} ORDER BY id LIMIT @limit";
        ListPageBySubjectWithData = $"SELECT {ListColumns}, data FROM {Table} WHERE subject = @subject AND id > @after AND {Live} ORDER BY id LIMIT @limit";

        // DestroyMany: each batch is one short autocommitted statement, so a large table is never locked whole; ordered by
        // the primary key, so the statement is deterministic (safe for statement-based replication).
        DestroyAllBatch = $"DELETE FROM {Table} WHERE {Live} ORDER BY id LIMIT @limit";
        DestroyBySubjectBatch = $"DELETE FROM {Table} WHERE subject = @subject AND {Live} ORDER BY id LIMIT @limit";

        // Oldest first along the expiry index; (expires_at_ms, id) makes the order total, hence replication-safe.
        PruneBatch = $"DELETE FROM {Table} WHERE expires_at_ms <= {NowMs} ORDER BY expires_at_ms, id LIMIT @limit";

        // Named locks are server-wide: the name holds a hash of the database and table, within MySQL's 64 characters.
        PruneLock = "SELECT GET_LOCK(" + LockName("prune") + ", 0)";
        PruneUnlock = "SELECT RELEASE_LOCK(" + LockName("prune") + ")";
        SchemaLock = "SELECT GET_LOCK(" + LockName("schema") + ", @wait)";
        SchemaUnlock = "SELECT RELEASE_LOCK(" + LockName("schema") + ")";

        // The table's comment, from the catalog (which never fails, so a start against an empty database sends no
        // failing statement); NULL when the table is missing.
        ReadSchemaComment = "SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = @table";
        CreateTable = CreateTableStatement(Table);
        CreateLeaseTable = CreateLeaseTableStatement(LeaseTable);

        // Leases (one row per id leased in the last hour). @id, @owner (a fresh random token per attempt), @duration ms.
        // A free id is inserted; an expired lease is retaken; a live one is left alone (and locked until COMMIT, so the
        // read after it sees its holder). The fence is one more than the row's last one, or the server clock in
        // microseconds when that is larger: a release keeps the row, so fences grow with every acquisition of an id, and
        // the pruner removes a row only an hour after its lease ended, when the clock has passed every fence given before.
        const string ClockUs = "TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6))";
        const string Expired = "expires_at_ms <= " + NowMs;
        AcquireLease =
            "START TRANSACTION;\n" +
            $"INSERT INTO {LeaseTable} (id, owner, fence, expires_at_ms) VALUES (@id, @owner, {ClockUs}, {NowMs} + @duration) " +
            $"ON DUPLICATE KEY UPDATE fence = IF({Expired}, GREATEST(fence + 1, {ClockUs}), fence), owner = IF({Expired}, @owner, owner), " +
            $"expires_at_ms = IF({Expired}, {NowMs} + @duration, expires_at_ms);\n" +
            $"SELECT owner = @owner, fence, expires_at_ms - {NowMs} FROM {LeaseTable} WHERE id = @id;\nCOMMIT";

        // @id, @owner, @fence, @duration ms: only the live holder's own lease.
        RenewLease = $"UPDATE {LeaseTable} SET expires_at_ms = {NowMs} + @duration WHERE id = @id AND owner = @owner AND fence = @fence AND {Live}";

        // Ends the holder's live lease; the row and its fence stay.
        ReleaseLease = $"UPDATE {LeaseTable} SET owner = '', expires_at_ms = {NowMs} WHERE id = @id AND owner = @owner AND fence = @fence AND {Live}";

        PruneLeaseBatch = $"DELETE FROM {LeaseTable} WHERE expires_at_ms < {NowMs} - 3600000 ORDER BY expires_at_ms, id LIMIT @limit";
    }

    public string TableName { get; }

    /// <summary>The quoted lease table: the table name with <c>_leases</c>.</summary>
    public string LeaseTable { get; }

    public string CreateLeaseTable { get; }

    public string AcquireLease { get; }

    public string RenewLease { get; }

    public string ReleaseLease { get; }

    public string PruneLeaseBatch { get; }

    /// <summary>The quoted table name.</summary>
    public string Table { get; }

    public string Get { get; }

    public string GetAndTouch { get; }

    public string Touch { get; }

    public string SetUnconditional { get; }

    public string SetCreateOnly { get; }

    public string SetIfVersion { get; }

    public string CurrentVersion { get; }

    public string Destroy { get; }

    public string CountAll { get; }

    public string CountBySubject { get; }

    public string ListPage { get; }

    public string ListPageWithData { get; }

    public string ListPageBySubject { get; }

    public string ListPageBySubjectWithData { get; }

    public string DestroyAllBatch { get; }

    public string DestroyBySubjectBatch { get; }

    public string PruneBatch { get; }

    public string PruneLock { get; }

    public string PruneUnlock { get; }

    public string SchemaLock { get; }

    public string SchemaUnlock { get; }

    public string ReadSchemaComment { get; }

    /// <summary>The DDL of the session table: what the store runs (under its schema lock) and what a DBA runs.</summary>
    public string CreateTable { get; }

    // InnoDB for row locks and crash safety. The id is ASCII with a binary collation (ids are case-sensitive, and never
    // hold spaces, so the collation's trailing-space padding cannot matter). A subject is any text, stored as its UTF-8
    // bytes (at most 3 per UTF-16 unit): binary strings compare byte for byte, without the trailing-space padding of
    // MySQL's and MariaDB's portable _bin collations. (subject, id) serves per-subject listing in id order; 1,024 bytes,
    // within InnoDB's 3,072-byte key limit.
    private static string CreateTableStatement(string table) =>
        $"CREATE TABLE IF NOT EXISTS {table} (\n" +
        "    id            VARCHAR(256) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,\n" +
        "    data          LONGBLOB NOT NULL,\n" +
        "    version       BIGINT NOT NULL,\n" +
        "    expires_at_ms BIGINT NOT NULL,\n" +
        "    created_at_ms BIGINT NOT NULL,\n" +
        "    subject       VARBINARY(768) NULL,\n" +
        "    PRIMARY KEY (id),\n" +
        "    KEY expires_idx (expires_at_ms),\n" +
        "    KEY subject_idx (subject, id)\n" +
        $") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin COMMENT='{SchemaComment}'";

    private static string CreateLeaseTableStatement(string table) =>
        $"CREATE TABLE IF NOT EXISTS {table} (\n" +
        "    id            VARCHAR(256) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,\n" +
        "    owner         VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,\n" +
        "    fence         BIGINT NOT NULL,\n" +
        "    expires_at_ms BIGINT NOT NULL,\n" +
        "    PRIMARY KEY (id),\n" +
        "    KEY expires_idx (expires_at_ms)\n" +
        $") ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin COMMENT='{SchemaComment} leases'";

    private static string LockName(string purpose) =>
        $"CONCAT('sessionstores:{purpose}:', LEFT(SHA2(CONCAT(DATABASE(), '.', @table), 256), 40))";
}
