using System;

namespace SessionStores.MySql;

/// <summary>Options of <see cref="MySqlSessionStore"/>.</summary>
public sealed class MySqlSessionStoreOptions : SessionStoreOptions
{
    /// <summary>The longest <see cref="Namespace"/>.</summary>
    public const int MaxNamespaceLength = 63;

    /// <summary>The largest <see cref="PruneBatchSize"/>.</summary>
    public const int MaxPruneBatchSize = 10_000;

    /// <summary>How to reach MySQL, in the driver's connection-string syntax. Required. Default:
    /// <see langword="null"/>.</summary>
    /// <remarks>TODO(store): add the overload a user of the driver expects (a client or data source they already
    /// have), and say which one wins when both are set.</remarks>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// This store's namespace in MySQL: every session it keeps lives under it, and nothing else does. Letters,
    /// digits and underscores, starting with a letter, at most <see cref="MaxNamespaceLength"/> characters. Default:
    /// <c>sessions</c>.
    /// </summary>
    /// <remarks>TODO(store): name it as the backend does (<c>TableName</c>, <c>KeyPrefix</c>, <c>CollectionName</c>) and
    /// state its rules in the validator.</remarks>
    public string Namespace { get; set; } = "sessions";

    /// <summary>Whether the store creates what it needs in MySQL (tables, indexes) before its first
    /// operation when it is missing; safe when several instances start at once. Default: <see langword="true"/>.</summary>
    public bool CreateSchemaIfMissing { get; set; } = true;

    /// <summary>Whether this instance deletes expired sessions every <see cref="PruneInterval"/>. Expired sessions are
    /// absent either way; pruning only reclaims space. Failures are logged, never thrown into requests. Default:
    /// <see langword="true"/>.</summary>
    public bool EnablePruning { get; set; } = true;

    /// <summary>How often this instance prunes (with <see cref="EnablePruning"/>): greater than zero. Default: 5 minutes.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Sessions deleted per batch while pruning and in <see cref="ISessionStore.DestroyManyAsync"/>: 1 to
    /// <see cref="MaxPruneBatchSize"/>. Default: 1,000.</summary>
    public int PruneBatchSize { get; set; } = 1_000;
}
