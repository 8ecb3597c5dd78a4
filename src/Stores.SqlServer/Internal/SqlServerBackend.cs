using System;
using System.Data.Common;
using System.IO;
using Microsoft.Data.SqlClient;

namespace SessionStores.SqlServer.Internal;

/// <summary>SQL Server as the operation runner sees it: its names, and which SqlClient exceptions are failures and
/// which of them may pass by retrying.</summary>
internal sealed class SqlServerBackend : SessionStoreBackend
{
    public static readonly SqlServerBackend Instance = new();

    private SqlServerBackend()
        : base("SQL Server", "microsoft.sql_server")
    {
    }

    /// <summary>What SqlClient, the network and the connection pool throw (and a failure to connect, whatever it was);
    /// anything else, such as a Dapper mapping error, is a bug and passes unchanged.</summary>
    public override bool IsFailure(Exception exception) =>
        exception is SqlServerConnectException or DbException or IOException or TimeoutException or InvalidOperationException;

    /// <summary>Timeouts, deadlocks, lost connections and the Azure SQL throttling/failover errors may pass on retry; a
    /// failure to connect does unless the server refused the login (see <see cref="IsTransientConnectFailure"/>).</summary>
    public override bool IsTransient(Exception exception) => exception switch
    {
        SqlServerConnectException connect => IsTransientConnectFailure(connect.InnerException!),
        SqlException sql => sql.IsTransient || IsTransientNumber(sql.Number),
        TimeoutException or IOException => true,

        // SqlClient reports an exhausted pool and a connection broken mid-read this way; other InvalidOperationExceptions
        // (a Dapper mapping error, say) are bugs that a retry will not fix.
        InvalidOperationException op => op.Message.Contains("pool", StringComparison.OrdinalIgnoreCase)
            || op.Message.Contains("connection", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>A failure to connect is reported as the driver's exception it carries.</summary>
    public override Exception Redact(Exception exception) =>
        exception is SqlServerConnectException { InnerException: { } inner } ? inner : exception;

    /// <summary>Opening a connection failed: transient unless the server answered with a login or permission error.</summary>
    /// <remarks>4060 (cannot open the database) counts as transient, as in Microsoft's Azure SQL guidance: during a
    /// failover the database is briefly unavailable; a database that does not exist keeps failing, visibly.</remarks>
    private bool IsTransientConnectFailure(Exception ex) => ex is not SqlException { Number: 18456 or 18452 or 916 } || IsTransient(ex);

    private static bool IsTransientNumber(int number) => number is
        -2 // command timeout
        or 20 or 64 or 233 or 10053 or 10054 or 10060 or 11001 // connection lost or refused
        or 1204 or 1205 or 1222 // lock resources, deadlock victim, lock timeout
        or 4060 or 40197 or 40501 or 40613 or 49918 or 49919 or 49920 or 10928 or 10929 or 4221 or 42108 or 42109; // Azure SQL failover/throttling
}

/// <summary>Opening a connection failed (carrying the driver's exception): told apart from a failed command because a
/// server that cannot be reached now may be back later, whatever the driver called it.</summary>
internal sealed class SqlServerConnectException(Exception innerException)
    : Exception(innerException.Message, innerException);
