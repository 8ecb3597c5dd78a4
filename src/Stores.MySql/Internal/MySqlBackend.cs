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
    /// <remarks>A lost connection, a timeout, a deadlock or a lock wait timeout is transient
    /// (<see cref="MySqlException.IsTransient"/>); a statement the server refused (a missing table, a permission, bad
    /// credentials) is not. Below the driver, the network is always worth a retry.</remarks>
    public override bool IsTransient(Exception exception) => exception switch
    {
        MySqlException mysql => mysql.IsTransient || mysql.ErrorCode is MySqlErrorCode.UnableToConnectToHost,
        DbException db => db.IsTransient,
        _ => true,
    };
}
