namespace SessionStores.Postgres.Internal;

/// <summary>
/// Near-cache announcements: each session write and destroy NOTIFYs <c>id:version</c> (0 for a destroy) in the same
/// statement, so a row that was not written announces nothing and an announcement is delivered exactly when its write
/// commits; a bulk delete NOTIFYs <c>*</c> once it is done. In-statement rather than a trigger: no schema change (tables
/// created by earlier versions, or by a DBA script, need nothing), no PL/pgSQL call per row, and a store can turn it off.
/// </summary>
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

    // Every write statement returns the new version first and takes the id as $1; the announcement rides along as a
    // second, unread column, evaluated only for the row the statement wrote.
    private void AnnounceWrites()
    {
        var channel = Literal(InvalidationChannel);
        SetUnconditional = Announcing(SetUnconditional, "version", channel, "version::text");
        SetCreateOnly = Announcing(SetCreateOnly, "version", channel, "version::text");
        SetIfVersion = Announcing(SetIfVersion, "version", channel, "version::text");
        Destroy = Announcing(Destroy, "live", channel, "'0'");
    }

    private static string Announcing(string statement, string column, string channel, string version) =>
        $"WITH w AS ({RenameReturned(statement, column)}) SELECT {column}, pg_notify({channel}, $1 || ':' || {version})::text FROM w";

    // Names the statement's single returned value, so the outer SELECT can refer to it.
    private static string RenameReturned(string statement, string column) => statement + " AS " + column;
}
