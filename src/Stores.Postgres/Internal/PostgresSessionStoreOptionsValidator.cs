using System;
using System.Collections.Generic;
using System.Text;

namespace SessionStores.Postgres.Internal;

/// <summary>The one validator of <see cref="PostgresSessionStoreOptions"/>: the constructor's, and the one DI runs at
/// start-up.</summary>
internal sealed class PostgresSessionStoreOptionsValidator : SessionStoreOptionsValidator<PostgresSessionStoreOptions>
{
    // PostgreSQL cuts identifiers at 63 bytes; the table name leaves room for the index suffixes ("_subject_idx").
    private const int MaxIdentifierBytes = 63;
    private const int MaxTableNameBytes = 50;
    private const string Type = nameof(PostgresSessionStoreOptions);

    /// <summary>Adds the problems of a schema and a table name (as <see cref="PostgresSessionStore.GenerateSchemaScript"/>
    /// takes them, without the rest of the options).</summary>
    public static void ValidateNames(string? schemaName, string? tableName, ICollection<string> problems)
    {
        if (NameProblem(schemaName, MaxIdentifierBytes) is { } schema)
        {
            problems.Add($"{Type}.SchemaName {schema}");
        }

        if (NameProblem(tableName, MaxTableNameBytes) is { } table)
        {
            problems.Add($"{Type}.TableName {table}");
        }
    }

    protected override void Validate(PostgresSessionStoreOptions options, ICollection<string> problems)
    {
        if (options.DataSource is null && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            problems.Add($"Set {Type}.ConnectionString or {Type}.DataSource (with AddPostgresSessionStore, an NpgsqlDataSource registered in the services also works).");
        }

        ValidateNames(options.SchemaName, options.TableName, problems);
        if (options.TouchWriteThreshold < TimeSpan.Zero || options.TouchWriteThreshold > SessionLimits.MaxTtl)
        {
            problems.Add($"{Type}.TouchWriteThreshold must be zero or positive and at most SessionLimits.MaxTtl (it is {options.TouchWriteThreshold}).");
        }

        if (!Enum.IsDefined(options.Durability))
        {
            problems.Add($"{Type}.Durability must be {nameof(PostgresDurability.Full)} or {nameof(PostgresDurability.Relaxed)} (it is {(int)options.Durability}).");
        }

        if (options.EnablePruning)
        {
            RequireTimerInterval(nameof(options.PruneInterval), options.PruneInterval, problems);
        }

        RequirePositive(nameof(options.PruneBatchSize), options.PruneBatchSize, problems);

        if (options.PruneBatchDelay < TimeSpan.Zero)
        {
            problems.Add($"{Type}.PruneBatchDelay must not be negative (it is {options.PruneBatchDelay}).");
        }
    }

    private static string? NameProblem(string? name, int maxBytes)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "must not be empty.";
        }

        // The names appear in log lines and messages: a control character there could forge a line.
        if (name.AsSpan().ContainsAnyInRange('\0', '\u001f') || name.AsSpan().ContainsAnyInRange('\u007f', '\u009f'))
        {
            return "must not contain control characters.";
        }

        var bytes = Encoding.UTF8.GetByteCount(name);
        return bytes > maxBytes ? $"must be at most {maxBytes} bytes of UTF-8; got {bytes}." : null;
    }
}
