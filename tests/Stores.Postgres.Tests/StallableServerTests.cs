using System;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Postgres.Tests;

/// <summary>The dedicated PostgreSQL server a test can stall and restart behaves as the stalled-store tests assume.</summary>
public sealed class StallableServerTests
{
    [Fact]
    public async Task Paused_server_does_not_answer_open_connections_and_answers_again_after_resume()
    {
        await using var server = await StallableServers.StartPostgresAsync(TestContext.Current.CancellationToken);
        await using var dataSource = NpgsqlDataSource.Create(server.ConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);

        server.Pause();
        await using (var stalled = new NpgsqlCommand("SELECT 1", connection))
        {
            var query = stalled.ExecuteScalarAsync(TestContext.Current.CancellationToken);
            var finished = await Task.WhenAny(query, Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken));
            Assert.NotSame(query, finished);
            server.Resume();
            Assert.Equal(1, await query.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        }

        Assert.False(server.IsPaused);
    }

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
