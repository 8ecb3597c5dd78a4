using System;
using System.Data.Common;
using System.Linq;
using Npgsql;

namespace SessionStores.Postgres.Internal;

/// <summary>
/// The Npgsql timeouts of a data source the store builds itself, made to agree with
/// <see cref="SessionStoreOptions.OperationTimeout"/>: a connection attempt (<c>Timeout</c>) is bounded by the operation
/// timeout; a command (<c>Command Timeout</c>) gets twice it plus a second, a backstop behind the store's own deadline
/// rather than a second timer firing at the same moment (Npgsql cancels a timed-out command on the thread that noticed,
/// which under a stall of many commands ties up the application's threads); and a cancel request is sent without waiting
/// for its answer (<c>Cancellation Timeout=-1</c>: the connection is broken at once), since the caller stopped waiting
/// at the deadline already. A value the connection string sets explicitly wins.
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
            // A backstop behind the store's own deadline, not a second deadline at the same moment: when Npgsql's own
            // command timeout fires it cancels on the thread that noticed, and a stall that times out many commands at
            // once then ties up the application's threads; the store's deadline cancels on a thread of its own.
            builder.CommandTimeout = seconds * 2 + 1;
        }

        if (!given.Overlaps(ConnectTimeout))
        {
            builder.Timeout = seconds;
        }

        if (!given.Overlaps(CancellationTimeout))
        {
            // -1: send the cancel request, do not wait for its answer (the connection is broken at once). The caller
            // stopped waiting at the deadline already; waiting here only ties up a thread per stalled call.
            builder.CancellationTimeout = -1;
        }

        return builder.ConnectionString;
    }
}
