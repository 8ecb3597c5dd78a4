using System;
using System.Data.Common;
using System.IO;
using System.Net.Sockets;
using MySqlConnector;

namespace SessionStores.MySql.Internal;

/// <summary>
/// MySQL as the operation runner sees it: MySqlConnector's errors (every <see cref="DbException"/>) and the network's
/// are backend failures; MySqlConnector says which of its own pass by retrying.
/// </summary>
internal sealed class MySqlBackend : SessionStoreBackend
{
    /// <summary>The one instance: the backend holds no state.</summary>
    public static readonly MySqlBackend Instance = new();

    private MySqlBackend()
        : base("MySQL", "mysql")
    {
    }

    /// <inheritdoc />
    public override bool IsFailure(Exception exception) =>
        exception is DbException or IOException or SocketException or TimeoutException;

    /// <inheritdoc />
    /// <remarks>A lost connection, a timeout, a deadlock or a lock wait timeout is transient; a statement the server
    /// refused (a missing table, a permission, bad credentials) is not. <see cref="MySqlException.IsTransient"/> covers
    /// deadlocks, lock waits and failed connects, but not a connection lost while a statement was in flight (the server
    /// shut down or crashed: "Failed to read the result set" with no error code, the broken stream inside, or the
    /// server's own shutdown error): those are added here. Below the driver, the network is always worth a retry.</remarks>
    public override bool IsTransient(Exception exception) => exception switch
    {
        MySqlException mysql => mysql.IsTransient || mysql.ErrorCode is MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.ServerShutdown
            || LostConnection(mysql),
        DbException db => db.IsTransient,
        _ => true,
    };

    // The network below the driver failed (an end of stream is an IOException too).
    private static bool LostConnection(Exception exception)
    {
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is IOException or SocketException)
            {
                return true;
            }
        }

        return false;
    }
}
