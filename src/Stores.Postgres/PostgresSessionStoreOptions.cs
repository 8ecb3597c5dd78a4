using System;
using Npgsql;

namespace SessionStores.Postgres;

/// <summary>Options of <see cref="PostgresSessionStore"/>.</summary>
public sealed class PostgresSessionStoreOptions : SessionStoreOptions
{
    /// <summary>The default <see cref="SchemaName"/>.</summary>
    public const string DefaultSchemaName = "public";

    /// <summary>The default <see cref="TableName"/>.</summary>
    public const string DefaultTableName = "sessions";

    /// <summary>
    /// The Npgsql connection string. The store then creates and owns its own <see cref="NpgsqlDataSource"/> (and its
    /// connection pool). Ignored when <see cref="DataSource"/> is set. Default: <see langword="null"/>.
    /// </summary>
    /// <remarks>Pool size and timeouts (<c>Timeout</c>, <c>Command Timeout</c>) are set here, as for any Npgsql
    /// application; the store prepares its own statements either way (<see cref="PrepareStatements"/>). The store's pool
    /// skips Npgsql's connection reset (<c>No Reset On Close</c>: nothing the store leaves on a pooled connection needs
    /// one), and the connections that hold session state (advisory locks, <c>LISTEN</c>) come from a second, unpooled
    /// data source built from the same string.</remarks>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// An existing data source to use instead of <see cref="ConnectionString"/>, shared with the rest of the
    /// application. The store does not dispose it. Default: <see langword="null"/>.
    /// </summary>
    public NpgsqlDataSource? DataSource { get; set; }

    /// <summary>The schema that holds the session table; any name without control characters, it is always quoted.
    /// Default: <c>public</c>.</summary>
    public string SchemaName { get; set; } = DefaultSchemaName;

    /// <summary>
    /// The session table; any name up to 50 bytes of UTF-8 without control characters (its index names add a suffix and
    /// PostgreSQL cuts identifiers at 63 bytes); it is always quoted. Default: <c>sessions</c>.
    /// </summary>
    public string TableName { get; set; } = DefaultTableName;

    /// <summary>
    /// Whether the store creates the schema, table and indexes on first use when they are missing, under an advisory
    /// lock so that many instances starting at once do not collide. Turn it off when a DBA creates them with the shipped
    /// script (<c>sql/create-sessionstores.sql</c> or <see cref="PostgresSessionStore.GenerateSchemaScript"/>); the store
    /// then only checks the recorded schema version. The schema itself is created only when it does not exist, so a role
    /// with <c>USAGE, CREATE</c> on an existing schema (such as <c>public</c>), but no <c>CREATE</c> on the database, is
    /// enough. Default: <see langword="true"/>.
    /// </summary>
    public bool CreateSchemaIfMissing { get; set; } = true;

    /// <summary>
    /// Whether a table the store creates is <c>UNLOGGED</c>: writes skip the write-ahead log, so they are cheaper, but
    /// after a crash or an unclean shutdown PostgreSQL empties the table (every user is signed out), and the table is
    /// not copied to streaming-replication standbys (a failover loses all sessions). Has no effect on an existing
    /// table. Default: <see langword="false"/> (a logged, durable table).
    /// </summary>
    public bool UnloggedTable { get; set; }

    /// <summary>
    /// Whether committed session writes and destroys NOTIFY <c>id:version</c> (sent in batches by a background sender
    /// right after they commit) and bulk deletes NOTIFY <c>*</c>, for the near caches of every process
    /// (<c>AddSessionStoreNearCache</c>). Leave it on in every process that writes a table some process reads through a
    /// near cache, or those caches serve what it changed until their <c>MaxEntryAge</c>. The cost: one small statement
    /// per batch of writes (PostgreSQL serialises notifying commits on one lock, so notifying is kept out of the writes'
    /// own transactions). Default: <see langword="true"/>.
    /// </summary>
    public bool PublishInvalidations { get; set; } = true;

    /// <summary>
    /// When the store's writes are acknowledged. <see cref="PostgresDurability.Relaxed"/> runs the store's own write
    /// transactions (and only those: never the application's other work on a shared <see cref="DataSource"/>) with
    /// <c>synchronous_commit = off</c>, so a write no longer waits for its WAL flush: on a disk with slow flushes that is
    /// most of a write's time. What it risks: a crash of the database server can lose the writes of its last fraction
    /// of a second (those sessions read as they were before them); nothing older is lost and nothing is corrupted, unlike
    /// <see cref="UnloggedTable"/>. Default: <see cref="PostgresDurability.Full"/>.
    /// </summary>
    public PostgresDurability Durability { get; set; } = PostgresDurability.Full;

    /// <summary>
    /// Whether the store prepares its per-session statements on each connection (explicitly, so also on a given
    /// <see cref="DataSource"/> whatever its <c>Max Auto Prepare</c>): the first use on a physical connection costs one
    /// extra round trip, every later use saves the server's parsing and planning. Turn it off behind a pooler that
    /// cannot keep prepared statements (PgBouncer before 1.21 in transaction mode). A data source with Npgsql's
    /// <c>Multiplexing</c> refuses explicit preparation: there the store leaves it to that data source's
    /// <c>Max Auto Prepare</c>. Default: <see langword="true"/>.
    /// </summary>
    public bool PrepareStatements { get; set; } = true;

    /// <summary>
    /// Lets <see cref="ISessionStore.TouchAsync"/> and <see cref="ISessionStore.GetAndTouchAsync"/> skip rewriting the
    /// row when the new expiry differs from the stored one by less than this. Every rewrite of a PostgreSQL row writes
    /// a new row version, an index entry and WAL, so on read-heavy sliding-expiry traffic a threshold of, say, 1% of
    /// the TTL saves most writes. The cost: a session may then expire up to this much earlier (or later) than
    /// now + TTL. Default: <see cref="TimeSpan.Zero"/> (always write; expiry is exact).
    /// </summary>
    public TimeSpan TouchWriteThreshold { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Whether this instance deletes expired rows in the background. Expired rows are invisible either way; pruning
    /// only reclaims space. Turn it off when a database-side job (for example pg_cron running
    /// <see cref="PostgresSessionStore.PruneAsync"/>'s statement) does it instead. Default: <see langword="true"/>.
    /// </summary>
    public bool EnablePruning { get; set; } = true;

    /// <summary>How often the background pruner runs. Default: 5 minutes.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The most rows one pruning statement deletes; a pass runs statements until fewer than this are left. Small
    /// batches keep each statement's burst of work short, so the requests running beside it barely notice it.
    /// Default: 25 (with the default <see cref="PruneBatchDelay"/>, a few thousand rows a second, about 7–10 million
    /// an hour even on a saturated 2-core server; raise it for tables that gain more expired rows than that).
    /// </summary>
    public int PruneBatchSize { get; set; } = 25;

    /// <summary>
    /// The least pause between two pruning batches; the pause is never shorter than the batch itself took, so the
    /// pruner uses at most half of one connection's time and slows down by itself when the server is busy.
    /// <see cref="TimeSpan.Zero"/> runs the batches back to back. Default: 5 ms.
    /// </summary>
    public TimeSpan PruneBatchDelay { get; set; } = TimeSpan.FromMilliseconds(5);
}
