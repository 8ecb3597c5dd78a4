using System;
using System.IO;
using Microsoft.Data.SqlClient;

namespace SessionStores.SqlServer.Internal;

/// <summary>Turns SqlClient exceptions into the store's exception family.</summary>
internal static class SqlServerErrors
{
    public static bool IsDuplicateKey(Exception ex) => ex is SqlException { Number: 2627 or 2601 };

    /// <summary>Timeouts, deadlocks, lost connections and the Azure SQL throttling/failover errors may pass on retry.</summary>
    public static bool IsTransient(Exception ex) => ex switch
    {
        SqlException sql => sql.IsTransient || IsTransientNumber(sql.Number),
        TimeoutException or IOException => true,

        // SqlClient reports an exhausted pool and a connection broken mid-read this way; other InvalidOperationExceptions
        // (a Dapper mapping error, say) are bugs that a retry will not fix.
        InvalidOperationException op => op.Message.Contains("pool", StringComparison.OrdinalIgnoreCase)
            || op.Message.Contains("connection", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>Opening a connection failed: transient unless the server answered with a login or permission error.</summary>
    /// <remarks>4060 (cannot open the database) counts as transient, as in Microsoft's Azure SQL guidance: during a
    /// failover the database is briefly unavailable; a database that does not exist keeps failing, visibly.</remarks>
    public static bool IsTransientConnectFailure(Exception ex) => ex is not SqlException { Number: 18456 or 18452 or 916 } || IsTransient(ex);

    public static SessionStoreException Wrap(string operation, Exception ex) =>
        new($"The SQL Server session store's '{operation}' failed: {ex.Message}", ex, IsTransient(ex));

    private static bool IsTransientNumber(int number) => number is
        -2 // command timeout
        or 20 or 64 or 233 or 10053 or 10054 or 10060 or 11001 // connection lost or refused
        or 1204 or 1205 or 1222 // lock resources, deadlock victim, lock timeout
        or 4060 or 40197 or 40501 or 40613 or 49918 or 49919 or 49920 or 10928 or 10929 or 4221 or 42108 or 42109; // Azure SQL failover/throttling
}
