using System;
using System.Collections.Generic;
using System.Data;
using Dapper;
using Microsoft.Data.SqlClient;

namespace SessionStores.SqlServer.Internal;

/// <summary>
/// Every T-SQL batch the SQL Server store sends, built once per table from validated, quoted identifiers. Nothing else
/// in the store writes SQL, so <see cref="All"/> hands the tests every statement to parse. Every value is a parameter:
/// <c>@Id varchar(256)</c>, <c>@Data varbinary(max)</c>, <c>@Subject nvarchar(256)</c>, <c>@TtlDays int</c>,
/// <c>@TtlRemainderMs int</c>, <c>@ExpectedVersion bigint</c>, <c>@After varchar(256)</c>, <c>@PageSize int</c>,
/// <c>@BatchSize int</c>, <c>@MaxRows int</c>, <c>@LockResource nvarchar(255)</c>, <c>@SchemaName sysname</c>,
/// <c>@QualifiedName nvarchar(300)</c>.
/// </summary>
/// <remarks>
/// The server's clock decides expiry: each batch reads <c>SYSUTCDATETIME()</c> once into <c>@Now</c> and compares
/// <c>ExpiresAt &gt; @Now</c>, so a row whose expiry has passed is absent at once, however late pruning runs. A TTL
/// is added as days plus milliseconds because <c>DATEADD</c> takes an <c>int</c> and 400 days of milliseconds do not
/// fit in one. A row with a version below 1 can only be damage (the store never writes one): reads return it so the
/// decoder reports it, and touches leave it unchanged.
/// </remarks>
internal sealed class SqlServerCommands
{
    private const int DayMilliseconds = 86_400_000;
    private const string Now = "DECLARE @Now datetime2(3) = SYSUTCDATETIME();\n";
    private const string Expiry = "DATEADD(millisecond, @TtlRemainderMs, DATEADD(day, @TtlDays, @Now))";
    /// <summary>Subject equality that is exact: <c>=</c> ignores trailing spaces, so the lengths must match too.</summary>
    private const string SubjectMatches = "[Subject] = @Subject AND DATALENGTH([Subject]) = DATALENGTH(@Subject)";

    private const string RecordColumns = "[Id], [Data], [Version], [ExpiresAt], [CreatedAt], [Subject]";

    public SqlServerCommands(string schemaName, string tableName)
    {
        Table = SqlIdentifier.Quote(schemaName) + "." + SqlIdentifier.Quote(tableName);
        var t = Table;

        Get = "SET NOCOUNT ON;\n" + Now +
            $"SELECT {RecordColumns} FROM {t} WHERE [Id] = @Id AND [ExpiresAt] > @Now;";

        GetAndTouch = "SET NOCOUNT ON;\n" + Now +
            $"UPDATE {t} SET [ExpiresAt] = CASE WHEN [Version] >= 1 THEN {Expiry} ELSE [ExpiresAt] END\n" +
            "OUTPUT inserted.[Id], inserted.[Data], inserted.[Version], inserted.[ExpiresAt], inserted.[CreatedAt], inserted.[Subject]\n" +
            "WHERE [Id] = @Id AND [ExpiresAt] > @Now;";

        Touch = "SET NOCOUNT ON;\n" + Now +
            $"UPDATE {t} SET [ExpiresAt] = CASE WHEN [Version] >= 1 THEN {Expiry} ELSE [ExpiresAt] END\n" +
            "OUTPUT inserted.[Version]\n" +
            "WHERE [Id] = @Id AND [ExpiresAt] > @Now;";

        // UPDLOCK + SERIALIZABLE holds a key-range lock from the UPDATE to the INSERT, so two first writes of one id
        // queue instead of racing: no duplicate-key error to swallow, no lost write.
        Upsert = "SET NOCOUNT ON;\nSET XACT_ABORT ON;\n" + Now +
            $"DECLARE @ExpiresAt datetime2(3) = {Expiry};\n" +
            "BEGIN TRANSACTION;\n" +
            $"UPDATE {t} WITH (UPDLOCK, SERIALIZABLE)\n" +
            "SET [Data] = @Data,\n" +
            "    [Version] = CASE WHEN [ExpiresAt] > @Now AND [Version] >= 1 THEN [Version] + 1 ELSE 1 END,\n" +
            "    [CreatedAt] = CASE WHEN [ExpiresAt] > @Now AND [Version] >= 1 THEN [CreatedAt] ELSE @Now END,\n" +
            "    [ExpiresAt] = @ExpiresAt,\n" +
            "    [Subject] = @Subject\n" +
            "OUTPUT CAST(1 AS bit) AS [Written], inserted.[Version]\n" +
            "WHERE [Id] = @Id;\n" +
            "IF @@ROWCOUNT = 0\n" +
            $"    INSERT INTO {t} ({RecordColumns})\n" +
            "    OUTPUT CAST(1 AS bit) AS [Written], inserted.[Version]\n" +
            "    VALUES (@Id, @Data, 1, @ExpiresAt, @Now, @Subject);\n" +
            "COMMIT TRANSACTION;";

        // One conditional UPDATE; on a conflict the same batch returns the live version (no second round trip).
        CompareAndSet = "SET NOCOUNT ON;\n" + Now +
            $"UPDATE {t}\n" +
            $"SET [Data] = @Data, [Version] = [Version] + 1, [ExpiresAt] = {Expiry}, [Subject] = @Subject\n" +
            "OUTPUT CAST(1 AS bit) AS [Written], inserted.[Version]\n" +
            "WHERE [Id] = @Id AND [Version] = @ExpectedVersion AND [ExpiresAt] > @Now;\n" +
            "IF @@ROWCOUNT = 0\n" +
            $"    SELECT CAST(0 AS bit) AS [Written], [Version] FROM {t} WHERE [Id] = @Id AND [ExpiresAt] > @Now;";

        // Expected version 0: an expired row is replaced as a new session (version 1, fresh CreatedAt); a live one is the
        // conflict, reported in the same batch; an absent one is inserted under the same range lock as the upsert.
        CreateOnly = "SET NOCOUNT ON;\nSET XACT_ABORT ON;\n" + Now +
            $"DECLARE @ExpiresAt datetime2(3) = {Expiry};\n" +
            "BEGIN TRANSACTION;\n" +
            $"UPDATE {t} WITH (UPDLOCK, SERIALIZABLE)\n" +
            "SET [Data] = @Data, [Version] = 1, [ExpiresAt] = @ExpiresAt, [CreatedAt] = @Now, [Subject] = @Subject\n" +
            "OUTPUT CAST(1 AS bit) AS [Written], inserted.[Version]\n" +
            "WHERE [Id] = @Id AND [ExpiresAt] <= @Now;\n" +
            "IF @@ROWCOUNT = 0\n" +
            "BEGIN\n" +
            $"    IF EXISTS (SELECT 1 FROM {t} WITH (UPDLOCK, SERIALIZABLE) WHERE [Id] = @Id)\n" +
            $"        SELECT CAST(0 AS bit) AS [Written], [Version] FROM {t} WHERE [Id] = @Id;\n" +
            "    ELSE\n" +
            $"        INSERT INTO {t} ({RecordColumns})\n" +
            "        OUTPUT CAST(1 AS bit) AS [Written], inserted.[Version]\n" +
            "        VALUES (@Id, @Data, 1, @ExpiresAt, @Now, @Subject);\n" +
            "END;\n" +
            "COMMIT TRANSACTION;";

        // Deletes an expired leftover too, but reports only whether a live session was deleted.
        Destroy = "SET NOCOUNT ON;\n" + Now +
            $"DELETE FROM {t}\n" +
            "OUTPUT CASE WHEN deleted.[ExpiresAt] > @Now THEN CAST(1 AS bit) ELSE CAST(0 AS bit) END AS [Live]\n" +
            "WHERE [Id] = @Id;";

        DestroyManyBatch = DestroyMany(t, subject: false);
        DestroyManyBatchForSubject = DestroyMany(t, subject: true);
        Count = "SET NOCOUNT ON;\n" + Now + $"SELECT COUNT_BIG(*) FROM {t} WHERE [ExpiresAt] > @Now;";
        CountForSubject = "SET NOCOUNT ON;\n" + Now + $"SELECT COUNT_BIG(*) FROM {t} WHERE [ExpiresAt] > @Now AND {SubjectMatches};";
        ListPages = [ListPage(t, false, false), ListPage(t, false, true), ListPage(t, true, false), ListPage(t, true, true)];

        // One instance at a time (a session-owned app lock, not waited for), bounded batches below the lock-escalation
        // threshold, at most @MaxRows per run. Returns sp_getapplock's negative result when the lock was not granted
        // (-1: another instance holds it; -2, -3, -999: cancelled, deadlock victim, error).
        Prune = "SET NOCOUNT ON;\n" +
            "DECLARE @LockResult int, @Deleted int = 0, @Rows int = 1;\n" +
            "EXEC @LockResult = sys.sp_getapplock @Resource = @LockResource, @LockMode = N'Exclusive', @LockOwner = N'Session', @LockTimeout = 0;\n" +
            "IF @LockResult < 0\n" +
            "BEGIN\n" +
            "    SELECT @LockResult AS [Deleted];\n" +
            "    RETURN;\n" +
            "END;\n" +
            "BEGIN TRY\n" +
            "    WHILE @Rows > 0 AND @Deleted < @MaxRows\n" +
            "    BEGIN\n" +
            $"        DELETE TOP (@BatchSize) FROM {t} WHERE [ExpiresAt] <= SYSUTCDATETIME();\n" +
            "        SET @Rows = @@ROWCOUNT;\n" +
            "        SET @Deleted = @Deleted + @Rows;\n" +
            "    END;\n" +
            "END TRY\n" +
            "BEGIN CATCH\n" +
            "    EXEC sys.sp_releaseapplock @Resource = @LockResource, @LockOwner = N'Session';\n" +
            "    THROW;\n" +
            "END CATCH;\n" +
            "EXEC sys.sp_releaseapplock @Resource = @LockResource, @LockOwner = N'Session';\n" +
            "SELECT @Deleted AS [Deleted];";

        // After a failed or cancelled prune (an attention ends the batch before its CATCH can run): release the
        // session-owned lock if this connection still holds it, so a pooled connection does not keep it.
        ReleasePruneLock = "SET NOCOUNT ON;\n" +
            "IF APPLOCK_MODE(N'public', @LockResource, N'Session') <> N'NoLock'\n" +
            "    EXEC sys.sp_releaseapplock @Resource = @LockResource, @LockOwner = N'Session';";

        CreateTable = CreateTableStatements(schemaName, tableName);

        // Create-if-missing, safe when several instances start at once: a transaction-owned app lock serialises them,
        // and the second one finds the table. One batch, one round trip.
        EnsureSchema = "SET NOCOUNT ON;\nSET XACT_ABORT ON;\n" +
            "BEGIN TRANSACTION;\n" +
            "DECLARE @LockResult int;\n" +
            "EXEC @LockResult = sys.sp_getapplock @Resource = @LockResource, @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = 30000;\n" +
            "IF @LockResult < 0\n" +
            "    THROW 51000, N'Timed out waiting for another instance that is creating the session table.', 1;\n" +
            "IF SCHEMA_ID(@SchemaName) IS NULL\n" +
            "BEGIN\n" +
            "    DECLARE @CreateSchema nvarchar(300) = N'CREATE SCHEMA ' + QUOTENAME(@SchemaName);\n" +
            "    EXEC sys.sp_executesql @CreateSchema;\n" +
            "END;\n" +
            "IF OBJECT_ID(@QualifiedName, N'U') IS NULL\n" +
            "BEGIN\n" +
            Indent(CreateTable) +
            "END;\n" +
            "COMMIT TRANSACTION;";
    }

    /// <summary>The quoted two-part table name.</summary>
    public string Table { get; }

    public string Get { get; }

    public string GetAndTouch { get; }

    public string Touch { get; }

    public string Upsert { get; }

    public string CompareAndSet { get; }

    public string CreateOnly { get; }

    public string Destroy { get; }

    public string DestroyManyBatch { get; }

    public string DestroyManyBatchForSubject { get; }

    public string Count { get; }

    public string CountForSubject { get; }

    public string Prune { get; }

    public string ReleasePruneLock { get; }

    /// <summary>The table and its two indexes, unguarded (the body of <see cref="EnsureSchema"/> and of the shipped script).</summary>
    public string CreateTable { get; }

    public string EnsureSchema { get; }

    private string[] ListPages { get; }

    /// <summary>Every statement the store can send, by name (for the tests).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> All =>
    [
        new(nameof(Get), Get),
        new(nameof(GetAndTouch), GetAndTouch),
        new(nameof(Touch), Touch),
        new(nameof(Upsert), Upsert),
        new(nameof(CompareAndSet), CompareAndSet),
        new(nameof(CreateOnly), CreateOnly),
        new(nameof(Destroy), Destroy),
        new(nameof(DestroyManyBatch), DestroyManyBatch),
        new(nameof(DestroyManyBatchForSubject), DestroyManyBatchForSubject),
        new(nameof(Count), Count),
        new(nameof(CountForSubject), CountForSubject),
        new("ListPage", ListPages[0]),
        new("ListPageWithData", ListPages[1]),
        new("ListPageForSubject", ListPages[2]),
        new("ListPageForSubjectWithData", ListPages[3]),
        new(nameof(Prune), Prune),
        new(nameof(ReleasePruneLock), ReleasePruneLock),
        new(nameof(EnsureSchema), EnsureSchema),
    ];

    /// <summary>The listing page for a query shape.</summary>
    public string ListPage(bool forSubject, bool includeData) => ListPages[(forSubject ? 2 : 0) + (includeData ? 1 : 0)];

    /// <summary>The page, in <c>Id</c> order after <c>@After</c> (<c>''</c> for the first), is a stable cursor: with
    /// no writes meanwhile every live session appears exactly once.</summary>
    private static string ListPage(string t, bool forSubject, bool includeData) =>
        "SET NOCOUNT ON;\n" + Now +
        "SELECT TOP (@PageSize) [Id], [Version], [ExpiresAt], [CreatedAt], [Subject], DATALENGTH([Data]) AS [Size]" + (includeData ? ", [Data]" : string.Empty) + "\n" +
        $"FROM {t}\n" +
        "WHERE [Id] > @After AND [ExpiresAt] > @Now" + (forSubject ? " AND " + SubjectMatches : string.Empty) + "\n" +
        "ORDER BY [Id];";

    /// <summary>One bounded batch of DestroyMany; the caller repeats it until a batch deletes fewer than
    /// <c>@BatchSize</c> rows. Expired rows go too, but only live ones are counted.</summary>
    private static string DestroyMany(string t, bool subject) =>
        "SET NOCOUNT ON;\n" + Now +
        "DECLARE @Deleted TABLE ([Live] bit NOT NULL);\n" +
        $"DELETE TOP (@BatchSize) FROM {t}\n" +
        "OUTPUT CASE WHEN deleted.[ExpiresAt] > @Now THEN CAST(1 AS bit) ELSE CAST(0 AS bit) END INTO @Deleted ([Live])" +
        (subject ? "\nWHERE " + SubjectMatches + ";\n" : ";\n") +
        "SELECT COUNT_BIG(*) AS [Deleted], COUNT_BIG(CASE WHEN [Live] = 1 THEN 1 END) AS [Live] FROM @Deleted;";

    private static string CreateTableStatements(string schemaName, string tableName)
    {
        var t = SqlIdentifier.Quote(schemaName) + "." + SqlIdentifier.Quote(tableName);
        return
            $"CREATE TABLE {t} (\n" +
            "    [Id] varchar(256) COLLATE Latin1_General_100_BIN2 NOT NULL,\n" +
            "    [Data] varbinary(max) NOT NULL,\n" +
            "    [Version] bigint NOT NULL,\n" +
            "    [ExpiresAt] datetime2(3) NOT NULL,\n" +
            "    [CreatedAt] datetime2(3) NOT NULL,\n" +
            "    [Subject] nvarchar(256) COLLATE Latin1_General_100_BIN2 NULL,\n" +
            $"    CONSTRAINT {SqlIdentifier.Quote("PK_" + tableName)} PRIMARY KEY CLUSTERED ([Id])\n" +
            ");\n" +
            $"CREATE INDEX {SqlIdentifier.Quote("IX_" + tableName + "_ExpiresAt")} ON {t} ([ExpiresAt]);\n" +
            $"CREATE INDEX {SqlIdentifier.Quote("IX_" + tableName + "_Subject")} ON {t} ([Subject], [Id]);\n";
    }

    /// <summary>The app-lock resource for one kind of exclusive work on <see cref="Table"/>, at most 255 characters.</summary>
    public string LockResource(string kind)
    {
        var resource = $"SessionStores.SqlServer:{kind}:{Table}";
        return resource.Length <= 255
            ? resource
            : $"SessionStores.SqlServer:{kind}:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Table)));
    }

    /// <summary>The shipped script: <see cref="EnsureSchema"/> with its parameters declared as literals, so a DBA can
    /// run it (or read it) before the application starts. Safe to run more than once.</summary>
    public string Script(string schemaName)
    {
        return
            "-- SessionStores.SqlServer: creates the session table " + Table + " and its indexes if they are missing.\n" +
            "-- Generated by SqlServerSessionStore.GenerateSchemaScript (a test keeps this file identical to what the store\n" +
            "-- runs). Safe to run more than once and while application instances start. For other names, generate it with\n" +
            "-- them, or let the store create the table (SqlServerSessionStoreOptions.CreateSchemaIfMissing).\n" +
            $"DECLARE @LockResource nvarchar(255) = {Literal(LockResource("schema"))};\n" +
            $"DECLARE @SchemaName sysname = {Literal(schemaName)};\n" +
            $"DECLARE @QualifiedName nvarchar(300) = {Literal(Table)};\n" +
            EnsureSchema + "\n";
    }

    /// <summary>Whether a write lost a duplicate-key race on <c>[Id]</c> (which the range lock of the first writes
    /// prevents; see <see cref="Upsert"/>).</summary>
    public static bool IsDuplicateKey(Exception exception) => exception is SqlException { Number: 2627 or 2601 };

    /// <summary>The parameters of a statement on one session: <c>@Id</c>.</summary>
    public static DynamicParameters IdParameters(string id)
    {
        var parameters = new DynamicParameters();
        parameters.Add("Id", id, DbType.AnsiString, size: 256);
        return parameters;
    }

    /// <summary>The parameters of a statement on all sessions or one subject's: <c>@Subject</c> when there is one.</summary>
    public static DynamicParameters SubjectParameters(string? subject)
    {
        var parameters = new DynamicParameters();
        if (subject is not null)
        {
            parameters.Add("Subject", subject, DbType.String, size: 256);
        }

        return parameters;
    }

    /// <summary>Adds a TTL as <c>@TtlDays</c> and <c>@TtlRemainderMs</c> (see the remarks: <c>DATEADD</c> takes an
    /// <c>int</c>).</summary>
    public static void AddTtl(DynamicParameters parameters, TimeSpan ttl)
    {
        var milliseconds = SessionValidation.ToMilliseconds(ttl);
        parameters.Add("TtlDays", (int)(milliseconds / DayMilliseconds), DbType.Int32);
        parameters.Add("TtlRemainderMs", (int)(milliseconds % DayMilliseconds), DbType.Int32);
    }

    private static string Literal(string value) => "N'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string Indent(string lines) => "    " + lines.TrimEnd('\n').Replace("\n", "\n    ", StringComparison.Ordinal) + "\n";
}
