using System;
using System.Data.Common;
using System.Linq;
using MySqlConnector;

namespace SessionStores.MySql.Internal;

/// <summary>
/// The connection string of a data source the store builds itself. Its timeouts agree with
/// <see cref="SessionStoreOptions.OperationTimeout"/> unless the string sets them: connecting is bounded by the operation
/// timeout, and a command gets twice it plus a second, a backstop behind the store's own deadline rather than a second
/// timer firing at the same moment. <c>UseAffectedRows</c> is always off: the statements count the rows an
/// <c>UPDATE</c> matched (see <see cref="MySqlCommands.Touch"/>).
/// </summary>
internal static class MySqlConnectionStrings
{
    // MySqlConnector's spellings of each keyword, compared without spaces and case.
    private static readonly string[] ConnectTimeout = ["connectiontimeout", "connecttimeout", "timeout"];
    private static readonly string[] CommandTimeout = ["defaultcommandtimeout", "commandtimeout"];

    public static string ForStore(string connectionString, TimeSpan operationTimeout)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant())
            .ToHashSet();
        var seconds = (uint)Math.Clamp(Math.Ceiling(operationTimeout.TotalSeconds), 1, int.MaxValue);
        var builder = new MySqlConnectionStringBuilder(connectionString) { UseAffectedRows = false };
        if (!given.Overlaps(ConnectTimeout))
        {
            builder.ConnectionTimeout = seconds;
        }

        if (!given.Overlaps(CommandTimeout))
        {
            builder.DefaultCommandTimeout = seconds * 2 + 1;
        }

        return builder.ConnectionString;
    }
}
