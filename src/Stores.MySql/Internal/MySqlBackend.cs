using System;

namespace SessionStores.MySql.Internal;

/// <summary>
/// MySQL as the operation runner sees it: its names, and which of the driver's exceptions are backend failures
/// (wrapped in <see cref="SessionStoreException"/>) and which of those pass by retrying.
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
        // TODO(store): the driver's exception types (its base exception, its timeout), plus the network's
        // (System.Net.Sockets.SocketException, System.IO.IOException) when the driver lets them through.
        exception is TimeoutException;

    /// <inheritdoc />
    public override bool IsTransient(Exception exception) =>
        // TODO(store): connection loss, timeouts, failovers, "busy" replies: what may pass by retrying. A failure
        // that retrying cannot mend (bad credentials, a missing table without CreateSchemaIfMissing) is not transient.
        exception is TimeoutException;
}
