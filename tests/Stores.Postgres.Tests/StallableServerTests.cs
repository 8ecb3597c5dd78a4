using System;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Postgres.Tests;

/// <summary>The dedicated PostgreSQL server a test can stall and restart keeps its data and port over a restart, as the
/// reliability tests assume (its pause and resume are exercised by <see cref="PostgresStalledBackendConformance"/>).</summary>
public sealed class StallableServerTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Restart_keeps_committed_rows_and_the_port(bool kill)
    {
        await using var server = await StallableServers.StartPostgresAsync(TestContext.Current.CancellationToken);
        var port = server.Port;
        await using (var dataSource = NpgsqlDataSource.Create(server.ConnectionString))
        {
            await dataSource.CreateCommand("CREATE TABLE t (v int); INSERT INTO t VALUES (42)").ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        server.Pause();
        await server.RestartAsync(kill, TestContext.Current.CancellationToken);

        Assert.Equal(port, server.Port);
        Assert.False(server.IsPaused);
        await using var reopened = NpgsqlDataSource.Create(server.ConnectionString);
        Assert.Equal(42, await reopened.CreateCommand("SELECT v FROM t").ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }
}
