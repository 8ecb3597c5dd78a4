using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>connect-pg-simple on the Express side, <see cref="ExpressPostgresSessionStore"/> on the .NET side, one
/// PostgreSQL, a table of their own (created by the .NET store, with connect-pg-simple's columns).</summary>
public sealed class PostgresProfileFixture : CrossStackFixture
{
    public string Table { get; } = "session_" + Guid.NewGuid().ToString("N")[..8];

    public NpgsqlDataSource Database { get; private set; } = null!;

    public override async Task<string?> StoredJsonAsync(string id) =>
        await ScalarAsync<string>($"SELECT sess::text FROM \"{Table}\" WHERE sid = $1", id);

    public override async Task<TimeSpan?> RemainingAsync(string id) =>
        await ScalarAsync<double>($"SELECT extract(epoch from expire::timestamptz - now())::float8 FROM \"{Table}\" WHERE sid = $1", id) is var seconds and > 0
            ? TimeSpan.FromSeconds(seconds)
            : null;

    public override async Task ShortenAsync(string id, TimeSpan remaining) =>
        await ExecuteAsync($"UPDATE \"{Table}\" SET expire = now() + make_interval(secs => {remaining.TotalSeconds.ToString(CultureInfo.InvariantCulture)}) WHERE sid = $1", id);

    public override async Task ExpireAsync(string id) =>
        await ExecuteAsync($"UPDATE \"{Table}\" SET expire = now() - interval '1 second' WHERE sid = $1", id);

    protected override async Task<Action<IServiceCollection>> PrepareAsync(IDictionary<string, string> environment)
    {
        var connectionString = (await PostgresTestServer.ResolveAsync()).EnsureAvailable();
        Database = NpgsqlDataSource.Create(connectionString);
        var options = new ExpressPostgresSessionStoreOptions { DataSource = Database, TableName = Table, CreateSchemaIfMissing = true };
        await using (var store = new ExpressPostgresSessionStore(options))
        {
            // The first operation creates the table, before the Express app queries it.
            await store.GetAsync("warm-up", TestContext.Current.CancellationToken);
        }

        var server = new NpgsqlConnectionStringBuilder(connectionString);
        environment["STORE"] = "pg";
        environment["TABLE"] = Table;
        environment["PGHOST"] = server.Host!;
        environment["PGPORT"] = server.Port.ToString(CultureInfo.InvariantCulture);
        environment["PGUSER"] = server.Username ?? "postgres";
        environment["PGPASSWORD"] = server.Password ?? "";
        environment["PGDATABASE"] = server.Database ?? server.Username ?? "postgres";
        return services => services.AddExpressPostgresSessionStore(o =>
        {
            o.DataSource = Database;
            o.TableName = Table;
        });
    }

    private async Task<T?> ScalarAsync<T>(string sql, string id)
    {
        await using var command = Database.CreateCommand(sql);
        command.Parameters.AddWithValue(id);
        return await command.ExecuteScalarAsync() is T value ? value : default;
    }

    private async Task ExecuteAsync(string sql, string id)
    {
        await using var command = Database.CreateCommand(sql);
        command.Parameters.AddWithValue(id);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>The cross-stack tests over connect-pg-simple.</summary>
public sealed class PostgresCrossStackTests(PostgresProfileFixture fixture) : CrossStackTests<PostgresProfileFixture>(fixture);
