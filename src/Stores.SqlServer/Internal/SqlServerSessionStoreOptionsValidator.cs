using System;
using System.Collections.Generic;

namespace SessionStores.SqlServer.Internal;

/// <summary>The one validator of <see cref="SqlServerSessionStoreOptions"/>, used by the store's constructor and by
/// dependency injection: the connection, identifiers SQL Server accepts, and the pruning and command settings.</summary>
internal sealed class SqlServerSessionStoreOptionsValidator : SessionStoreOptionsValidator<SqlServerSessionStoreOptions>
{
    public const int MaxBatchSize = 4_000;

    public static readonly SqlServerSessionStoreOptionsValidator Instance = new();

    protected override void Validate(SqlServerSessionStoreOptions options, ICollection<string> problems)
    {
        if (options.ConnectionFactory is null && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            problems.Add("Set SqlServerSessionStoreOptions.ConnectionString or SqlServerSessionStoreOptions.ConnectionFactory.");
        }

        Add(problems, SqlIdentifier.Problem(options.SchemaName, SqlIdentifier.MaxSchemaNameLength, "SqlServerSessionStoreOptions.SchemaName"));
        Add(problems, SqlIdentifier.Problem(options.TableName, SqlIdentifier.MaxTableNameLength, "SqlServerSessionStoreOptions.TableName"));
        if (options.PruneInterval is { } interval)
        {
            RequireTimerInterval(nameof(options.PruneInterval), interval, problems);
        }

        if (options.PruneBatchSize is < 1 or > MaxBatchSize)
        {
            problems.Add($"SqlServerSessionStoreOptions.PruneBatchSize must be 1 to {MaxBatchSize}.");
        }

        if (options.CommandTimeout <= TimeSpan.Zero || options.CommandTimeout.TotalSeconds > int.MaxValue)
        {
            problems.Add("SqlServerSessionStoreOptions.CommandTimeout must be positive.");
        }
    }

    private static void Add(ICollection<string> problems, string? problem)
    {
        if (problem is not null)
        {
            problems.Add(problem);
        }
    }
}
