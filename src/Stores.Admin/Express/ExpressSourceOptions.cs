using System;
using System.CommandLine;
using SessionStores.ExpressCompat;

namespace SessionStores.Admin.Express;

/// <summary>
/// The <c>--from-*</c> options of <c>convert-express</c>: which express-session store to read, named after the npm
/// stores' own options. The target is the global <c>--store</c>.
/// </summary>
internal sealed class ExpressSourceOptions
{
    public const string Redis = "redis";
    public const string Postgres = "postgres";
    public const string File = "file";

    public Option<string> From { get; } = new("--from")
    {
        Description = "The Express app's store: redis (connect-redis), postgres (connect-pg-simple) or file (session-file-store).",
        Required = true,
    };

    public Option<string?> Connection { get; } = new("--from-connection")
    {
        Description = "Its connection string (redis, postgres) or directory (file, session-file-store's path).",
        Required = true,
    };

    public Option<string?> Prefix { get; } = new("--from-prefix") { Description = "redis: connect-redis's prefix (default: sess:)." };

    public Option<int?> Database { get; } = new("--from-database") { Description = "redis: the database number (default: the connection's)." };

    public Option<string?> Table { get; } = new("--from-table") { Description = "postgres: connect-pg-simple's tableName (default: session)." };

    public Option<string?> Schema { get; } = new("--from-schema") { Description = "postgres: connect-pg-simple's schemaName (default: the search path's)." };

    public Option<double?> Ttl { get; } = new("--from-ttl")
    {
        Description = "Seconds: the npm store's ttl, for sessions whose cookie has no maxAge (file: default 3600).",
    };

    public ExpressSourceOptions()
    {
        From.AcceptOnlyFromAmong(Redis, Postgres, File);
        Ttl.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is { } seconds && (seconds <= 0 || double.IsNaN(seconds) || seconds > SessionLimits.MaxTtl.TotalSeconds))
            {
                result.AddError($"--from-ttl must be more than 0 and at most {SessionLimits.MaxTtl.TotalSeconds} seconds.");
            }
        });
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { From, Connection, Prefix, Database, Table, Schema, Ttl })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Opens the source store through the profile's public constructor; options of another profile are refused.</summary>
    public (ExpressSessionFormatStore Store, string Description) Open(ParseResult parseResult, TimeSpan timeout)
    {
        var from = parseResult.GetRequiredValue(From);
        var connection = parseResult.GetValue(Connection);
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new AdminUsageException("--from-connection is required.");
        }

        var prefix = parseResult.GetValue(Prefix);
        var database = parseResult.GetValue(Database);
        var table = parseResult.GetValue(Table);
        var schema = parseResult.GetValue(Schema);
        var ttl = parseResult.GetValue(Ttl) is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        Refuse(from != Redis && (prefix is not null || database is not null), "--from-prefix and --from-database apply to --from redis only.");
        Refuse(from != Postgres && (table is not null || schema is not null), "--from-table and --from-schema apply to --from postgres only.");
        switch (from)
        {
            case Redis:
                var redis = new ExpressRedisSessionStoreOptions { ConnectionString = connection, OperationTimeout = timeout, Database = database ?? -1 };
                redis.KeyPrefix = prefix ?? redis.KeyPrefix;
                redis.Ttl = ttl ?? redis.Ttl;
                return (new ExpressRedisSessionStore(redis), $"connect-redis, prefix '{redis.KeyPrefix}'");
            case Postgres:
                var postgres = new ExpressPostgresSessionStoreOptions { ConnectionString = connection, OperationTimeout = timeout, SchemaName = schema };
                postgres.TableName = table ?? postgres.TableName;
                postgres.Ttl = ttl ?? postgres.Ttl;
                return (new ExpressPostgresSessionStore(postgres), $"connect-pg-simple, table {(schema is null ? string.Empty : schema + ".")}{postgres.TableName}");
            default:
                var file = new ExpressFileSessionStoreOptions { Path = connection, OperationTimeout = timeout };
                file.Ttl = ttl ?? file.Ttl;
                return (new ExpressFileSessionStore(file), $"session-file-store, directory {connection}");
        }
    }

    private static void Refuse(bool condition, string message)
    {
        if (condition)
        {
            throw new AdminUsageException(message);
        }
    }
}
