using System;
using System.Data.Common;
using System.Linq;
using Npgsql;

namespace SessionStores.Postgres.Internal;

/// <summary>
/// The Npgsql timeouts of a data source the store builds itself, made to agree with
/// <see cref="SessionStoreOptions.OperationTimeout"/> so that the driver gives up too, not only the caller: a command
/// (<c>Command Timeout</c>) and a connection attempt (<c>Timeout</c>) are bounded by the operation timeout, and a
/// cancellation the server does not answer (a stopped server) breaks the connection after <c>Cancellation Timeout</c>,
/// the operation timeout again, so the driver lets go of a stalled connection within about three operation timeouts
/// (the command, the cancel request's own connection, the wait for its answer), while the caller already stopped
/// waiting at the first.
/// A value the connection string sets explicitly wins.
/// </summary>
internal static class PostgresTimeouts
{
    // Npgsql accepts each keyword with or without its space, in any case.
    private static readonly string[] CommandTimeout = ["commandtimeout"];
    private static readonly string[] ConnectTimeout = ["timeout"];
    private static readonly string[] CancellationTimeout = ["cancellationtimeout"];

    public static string Apply(string connectionString, TimeSpan operationTimeout)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant())
            .ToHashSet();
        var builder = new NpgsqlConnectionStringBuilder(connectionString);

        // Npgsql counts these two in whole seconds (0 means "wait forever"): round up, at least 1.
        var seconds = (int)Math.Clamp(Math.Ceiling(operationTimeout.TotalSeconds), 1, int.MaxValue);
        if (!given.Overlaps(CommandTimeout))
        {
            builder.CommandTimeout = seconds;
        }

        if (!given.Overlaps(ConnectTimeout))
        {
            builder.Timeout = seconds;
        }

        if (!given.Overlaps(CancellationTimeout))
        {
            builder.CancellationTimeout = (int)Math.Clamp(Math.Ceiling(operationTimeout.TotalMilliseconds), 1, int.MaxValue);
        }

        return builder.ConnectionString;
    }
}
