using System;
using System.Collections.Generic;
using MySqlConnector;

namespace SessionStores.MySql.Internal;

/// <summary>The one validator of <see cref="MySqlSessionStoreOptions"/>: the store's constructor and its registration
/// use it both, so they cannot disagree.</summary>
internal sealed class MySqlSessionStoreOptionsValidator : SessionStoreOptionsValidator<MySqlSessionStoreOptions>
{
    /// <summary>Adds a problem when <paramref name="tableName"/> is not a valid <see cref="MySqlSessionStoreOptions.TableName"/>.</summary>
    public static void ValidateTableName(string? tableName, ICollection<string> problems)
    {
        if (!IsValidTableName(tableName))
        {
            problems.Add(
                $"{nameof(MySqlSessionStoreOptions)}.{nameof(MySqlSessionStoreOptions.TableName)} must be 1 to {MySqlSessionStoreOptions.MaxTableNameLength} " +
                $"letters, digits or underscores, starting with a letter (it is '{SessionValidation.EscapeControlCharacters(tableName ?? string.Empty)}').");
        }
    }

    /// <inheritdoc />
    protected override void Validate(MySqlSessionStoreOptions options, ICollection<string> problems)
    {
        const string Type = nameof(MySqlSessionStoreOptions);
        if (options.DataSource is null && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            problems.Add($"{Type}.ConnectionString or {Type}.DataSource must be set.");
        }
        else if (options.DataSource is null && !IsValidConnectionString(options.ConnectionString!))
        {
            problems.Add($"{Type}.ConnectionString is not a valid MySqlConnector connection string.");
        }
        else if (options.DataSource is not null && UsesAffectedRows(options.DataSource.ConnectionString))
        {
            problems.Add($"{Type}.DataSource must not set UseAffectedRows=true: the store counts the rows an UPDATE matched.");
        }

        ValidateTableName(options.TableName, problems);
        RequireTimerInterval(nameof(options.PruneInterval), options.PruneInterval, problems);
        if (options.PruneBatchSize is < 1 or > MySqlSessionStoreOptions.MaxPruneBatchSize)
        {
            problems.Add($"{Type}.PruneBatchSize must be 1 to {MySqlSessionStoreOptions.MaxPruneBatchSize} (it is {options.PruneBatchSize}).");
        }
    }

    private static bool IsValidConnectionString(string connectionString)
    {
        try
        {
            _ = new MySqlConnectionStringBuilder(connectionString);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool UsesAffectedRows(string connectionString) => new MySqlConnectionStringBuilder(connectionString).UseAffectedRows;

    private static bool IsValidTableName(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MySqlSessionStoreOptions.MaxTableNameLength || !char.IsAsciiLetter(value[0]))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
