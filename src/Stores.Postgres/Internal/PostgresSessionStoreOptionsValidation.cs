using System;
using System.Text;

namespace SessionStores.Postgres.Internal;

/// <summary>The one validation of <see cref="PostgresSessionStoreOptions"/>, used by the constructor and at DI start.</summary>
internal static class PostgresSessionStoreOptionsValidation
{
    // PostgreSQL cuts identifiers at 63 bytes; the table name leaves room for the index suffixes ("_subject_idx").
    private const int MaxIdentifierBytes = 63;
    private const int MaxTableNameBytes = 50;

    public static string? Validate(PostgresSessionStoreOptions options, bool requireConnection = true)
    {
        if (options.DataSource is null && string.IsNullOrWhiteSpace(options.ConnectionString) && requireConnection)
        {
            return "Set PostgresSessionStoreOptions.ConnectionString or PostgresSessionStoreOptions.DataSource (with AddPostgresSessionStore, an NpgsqlDataSource registered in the services also works).";
        }

        if (options.MaxDataBytes <= 0)
        {
            return "PostgresSessionStoreOptions.MaxDataBytes must be positive.";
        }

        if (SessionStoreOperationRunner.ValidateOperationTimeout(options.OperationTimeout, nameof(PostgresSessionStoreOptions)) is { } timeoutError)
        {
            return timeoutError;
        }

        if (NameError(options.SchemaName, MaxIdentifierBytes) is { } schemaError)
        {
            return "PostgresSessionStoreOptions.SchemaName " + schemaError;
        }

        if (NameError(options.TableName, MaxTableNameBytes) is { } tableError)
        {
            return "PostgresSessionStoreOptions.TableName " + tableError;
        }

        if (options.TouchWriteThreshold < TimeSpan.Zero || options.TouchWriteThreshold > SessionLimits.MaxTtl)
        {
            return "PostgresSessionStoreOptions.TouchWriteThreshold must be zero or positive and at most SessionLimits.MaxTtl.";
        }

        if (options.EnablePruning && (options.PruneInterval <= TimeSpan.Zero || options.PruneInterval.TotalMilliseconds > int.MaxValue))
        {
            return "PostgresSessionStoreOptions.PruneInterval must be positive and below 24 days when EnablePruning is true.";
        }

        if (options.PruneBatchSize <= 0)
        {
            return "PostgresSessionStoreOptions.PruneBatchSize must be positive.";
        }

        if (options.PruneBatchDelay < TimeSpan.Zero)
        {
            return "PostgresSessionStoreOptions.PruneBatchDelay must not be negative.";
        }

        return null;
    }

    private static string? NameError(string? name, int maxBytes)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "must not be empty.";
        }

        if (name.Contains('\0', StringComparison.Ordinal))
        {
            return "must not contain a NUL character.";
        }

        var bytes = Encoding.UTF8.GetByteCount(name);
        return bytes > maxBytes ? $"must be at most {maxBytes} bytes of UTF-8; got {bytes}." : null;
    }
}
