using System;
using System.Data.Common;
using System.IO;
using System.Net.Sockets;
using Npgsql;

namespace SessionStores.Postgres.Internal;

/// <summary>PostgreSQL as the operation runner sees it: Npgsql's errors (every <see cref="DbException"/>) and the
/// network's are backend failures; Npgsql says which of its own pass by retrying. The connect-pg-simple profile of
/// SessionStores.ExpressCompat classifies the same driver's errors under its own name.</summary>
internal sealed class PostgresBackend : SessionStoreBackend
{
    public static readonly PostgresBackend Instance = new("PostgreSQL");

    internal PostgresBackend(string displayName)
        : base(displayName, "postgresql")
    {
    }

    public override bool IsFailure(Exception exception) =>
        exception is DbException or IOException or SocketException or TimeoutException;

    // A lost connection, a timeout or a server shutting down is transient (NpgsqlException.IsTransient); a statement the
    // server refused (a missing table, a permission) is not. Below the driver, the network is always worth a retry.
    public override bool IsTransient(Exception exception) => exception switch
    {
        NpgsqlException npgsql => npgsql.IsTransient,
        DbException db => db.IsTransient,
        _ => true,
    };
}
