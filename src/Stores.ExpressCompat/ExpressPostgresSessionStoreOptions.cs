using System;
using Npgsql;

namespace SessionStores.ExpressCompat;

/// <summary>Options of <see cref="ExpressPostgresSessionStore"/>: where connect-pg-simple keeps the Express app's sessions.</summary>
public sealed class ExpressPostgresSessionStoreOptions : SessionStoreOptions
{
    /// <summary>An Npgsql connection string; the store then owns its data source, whose Npgsql timeouts follow
    /// <see cref="SessionStoreOptions.OperationTimeout"/> (unless the string sets them) as <c>PostgresSessionStore</c>'s do.
    /// Ignored when <see cref="DataSource"/> is set. Default: <see langword="null"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>An existing data source to share (not disposed by the store). Default: <see langword="null"/>.</summary>
    public NpgsqlDataSource? DataSource { get; set; }

    /// <summary>connect-pg-simple's <c>tableName</c>. Default: <c>session</c>.</summary>
    public string TableName { get; set; } = "session";

    /// <summary>connect-pg-simple's <c>schemaName</c>; <see langword="null"/> uses the search path. Default:
    /// <see langword="null"/>.</summary>
    public string? SchemaName { get; set; }

    /// <summary>connect-pg-simple's <c>ttl</c>: the lifetime of a session whose cookie has no <c>expires</c>. Default: 1 day
    /// (connect-pg-simple's default).</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromDays(1);

    /// <summary>connect-pg-simple's <c>createTableIfMissing</c>: create the table (its own <c>table.sql</c>: sid varchar
    /// primary key, sess json, expire timestamp(6), an index on expire) on first use. Default: <see langword="false"/>.</summary>
    public bool CreateSchemaIfMissing { get; set; }
}
