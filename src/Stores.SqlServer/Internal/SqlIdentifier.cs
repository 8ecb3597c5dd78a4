using System;

namespace SessionStores.SqlServer.Internal;

/// <summary>Validates and quotes SQL Server identifiers the way <c>QUOTENAME</c> does.</summary>
internal static class SqlIdentifier
{
    /// <summary>The longest table name accepted, so that derived names such as <c>PK_{table}</c> stay within 128.</summary>
    public const int MaxTableNameLength = 100;

    /// <summary>The longest schema name (sysname).</summary>
    public const int MaxSchemaNameLength = 128;

    /// <summary>Returns what is wrong with <paramref name="name"/> as an identifier, or <see langword="null"/>.</summary>
    public static string? Problem(string? name, int maxLength, string setting)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > maxLength)
        {
            return $"{setting} must be 1 to {maxLength} characters and not blank.";
        }

        foreach (var c in name)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                return $"{setting} must not contain control characters or surrogates.";
            }
        }

        return null;
    }

    /// <summary>Quotes a validated identifier: <c>[name]</c> with every <c>]</c> doubled, as <c>QUOTENAME</c> does.</summary>
    public static string Quote(string name) => "[" + name.Replace("]", "]]", StringComparison.Ordinal) + "]";
}
