using System;

namespace SessionStores.SqlServer.Internal;

/// <summary>Checks options before anything is sent.</summary>
internal static class SqlServerOptionsCheck
{
    public const int MaxBatchSize = 4_000;

    /// <summary>Returns what is wrong with the options, or <see langword="null"/>.</summary>
    public static string? Problem(SqlServerSessionStoreOptions options)
    {
        if (options.ConnectionFactory is null && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return "Set SqlServerSessionStoreOptions.ConnectionString or SqlServerSessionStoreOptions.ConnectionFactory.";
        }

        return SqlIdentifier.Problem(options.SchemaName, SqlIdentifier.MaxSchemaNameLength, "SqlServerSessionStoreOptions.SchemaName")
            ?? SqlIdentifier.Problem(options.TableName, SqlIdentifier.MaxTableNameLength, "SqlServerSessionStoreOptions.TableName")
            ?? SessionStoreOperationRunner.ValidateOperationTimeout(options.OperationTimeout, nameof(SqlServerSessionStoreOptions))
            ?? (options.MaxDataBytes <= 0 ? "SqlServerSessionStoreOptions.MaxDataBytes must be positive." : null)
            ?? (options.PruneInterval is { } interval && (interval <= TimeSpan.Zero || interval.TotalMilliseconds > int.MaxValue)
                ? "SqlServerSessionStoreOptions.PruneInterval must be positive and below 24 days, or null." : null)
            ?? (options.PruneBatchSize is < 1 or > MaxBatchSize ? $"SqlServerSessionStoreOptions.PruneBatchSize must be 1 to {MaxBatchSize}." : null)
            ?? (options.CommandTimeout <= TimeSpan.Zero || options.CommandTimeout.TotalSeconds > int.MaxValue
                ? "SqlServerSessionStoreOptions.CommandTimeout must be positive." : null);
    }
}
