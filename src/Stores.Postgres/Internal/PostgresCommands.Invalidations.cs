namespace SessionStores.Postgres.Internal;

/// <summary>
/// Near-cache announcements: after each session write and destroy, the store NOTIFYs <c>id:version</c> of the row as it
/// is then (0 when it is gone or expired) in a transaction of its own, sent in the same batch right behind the write's
/// (an error barrier, that is a Sync, between them); a bulk delete NOTIFYs <c>*</c> once it is done.
/// </summary>
/// <remarks>
/// <para>Why not in the write's own transaction: PostgreSQL serialises the commits of notifying transactions on one
/// database-wide lock taken before the commit record and held until the commit is over, WAL flush included, so
/// notifying writes cannot share a WAL flush (group commit): at full durability every write then waits for every flush
/// before it (measured: most active backends waiting on <c>Lock:object</c>, throughput capped near one write per
/// flush). A transaction that only notifies writes no WAL of its own, so its commit does not wait for a flush and holds
/// that lock for microseconds.</para>
/// <para>Why this is still exact for a near cache: the announcement runs after the write committed (the Sync ends the
/// write's transaction first), and it announces the row's committed state read then, a fact no older than the write; a
/// later writer announces its own version after it. A failed compare-and-set announces the current version again,
/// which caches already hold or drop: harmless. In-statement rather than a trigger: no schema change (tables created by
/// earlier versions, or by a DBA script, need nothing), and a store can turn it off.</para>
/// </remarks>
internal sealed partial class PostgresCommands
{
    /// <summary>The payload of a bulk delete.</summary>
    public const string AllChanged = "*";

    /// <summary>The NOTIFY channel of session changes: at most 63 bytes, a fixed prefix and a hash of the quoted table.</summary>
    public string InvalidationChannel { get; }

    /// <summary>Starts listening for session changes.</summary>
    public string ListenForInvalidations => "LISTEN " + Quote(InvalidationChannel);

    /// <summary>Announces a bulk delete.</summary>
    public string AnnounceAllChanged => $"SELECT pg_notify({Literal(InvalidationChannel)}, {Literal(AllChanged)})::text";

    /// <summary>
    /// $1 id: returns one row, the live version of the row (NULL when none; <see cref="CurrentVersion"/> returns no row
    /// then), and announces it (none, or a corrupt, non-positive version, as 0, which drops the entry).
    /// <see langword="null"/> when announcements are off.
    /// </summary>
    public string? AnnounceCurrent { get; private set; }

    private void AnnounceWrites() =>
        AnnounceCurrent =
            $"SELECT v, pg_notify({Literal(InvalidationChannel)}, $1 || ':' || greatest(coalesce(v, 0), 0))::text " +
            $"FROM (SELECT (SELECT version FROM {Table} WHERE id = $1 AND expires_at > now()) AS v) c";
}
