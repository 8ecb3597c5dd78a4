using System;
using System.Data.Common;
using System.IO;
using System.Net.Sockets;
using Npgsql;

namespace SessionStores.ExpressCompat.Internal;

/// <summary>Which Npgsql exceptions are backend failures, and which of them are worth retrying.</summary>
internal sealed class ExpressPostgresBackend() : SessionStoreBackend("PostgreSQL (connect-pg-simple format)", "postgresql")
{
    public override bool IsFailure(Exception exception) =>
        exception is DbException or IOException or SocketException or TimeoutException;

    public override bool IsTransient(Exception exception) => exception switch
    {
        NpgsqlException npgsql => npgsql.IsTransient,
        DbException db => db.IsTransient,
        _ => true,
    };
}
