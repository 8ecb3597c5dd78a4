namespace SessionStores.Postgres.Internal;

/// <summary>
/// Near-cache announcements: <c>id:version</c> (0 for a destroy) for each committed session write, sent in batches by
/// <see cref="PostgresAnnouncer"/> (see there why not in the write's own transaction); a bulk delete NOTIFYs <c>*</c>
/// once it is done.
/// </summary>
internal sealed partial class PostgresCommands
{
    /// <summary>The payload of a bulk delete, and of a batch of announcements that was lost.</summary>
    public const string AllChanged = "*";

    /// <summary>The NOTIFY channel of session changes: at most 63 bytes, a fixed prefix and a hash of the quoted table.</summary>
    public string InvalidationChannel { get; }

    /// <summary>Starts listening for session changes.</summary>
    public string ListenForInvalidations => "LISTEN " + Quote(InvalidationChannel);

    /// <summary>Announces a bulk delete.</summary>
    public string AnnounceAllChanged => $"SELECT pg_notify({Literal(InvalidationChannel)}, {Literal(AllChanged)})::text";
}
