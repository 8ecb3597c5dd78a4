using System;
using System.Data;
using System.Diagnostics;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.Postgres.Internal;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Postgres.Tests;

/// <summary>The Npgsql timeouts a store sets on the data source it builds, and what they do on a stopped server.</summary>
public sealed class PostgresTimeoutsTests
{
    [Fact]
    public void A_connection_string_without_timeouts_gets_the_operation_timeout()
    {
        var applied = new NpgsqlConnectionStringBuilder(PostgresTimeouts.Apply("Host=db;Username=app", TimeSpan.FromMilliseconds(1500)));

        // The command timeout is a backstop behind the store's deadline (twice it, plus a second), the connect timeout
        // the deadline itself, and a cancel request is sent without waiting for its answer.
        Assert.Equal(5, applied.CommandTimeout);
        Assert.Equal(2, applied.Timeout);
        Assert.Equal(-1, applied.CancellationTimeout);
        Assert.Equal("db", applied.Host);
    }

    [Theory]
    [InlineData("Host=db;Command Timeout=30;Timeout=7;Cancellation Timeout=-1")]
    [InlineData("Host=db;commandtimeout=30;TIMEOUT=7;CancellationTimeout=-1")]
    public void Timeouts_the_connection_string_sets_win(string connectionString)
    {
        var applied = new NpgsqlConnectionStringBuilder(PostgresTimeouts.Apply(connectionString, TimeSpan.FromSeconds(1)));

        Assert.Equal(30, applied.CommandTimeout);
        Assert.Equal(7, applied.Timeout);
        Assert.Equal(-1, applied.CancellationTimeout);
    }

    [Fact]
    public async Task On_a_stopped_server_the_driver_itself_gives_up_and_breaks_the_connection()
    {
        await using var server = await StallableServers.StartPostgresAsync(TestContext.Current.CancellationToken);
        await using var dataSource = NpgsqlDataSource.Create(PostgresTimeouts.Apply(server.ConnectionString, TimeSpan.FromSeconds(1)));
        await using var connection = await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT 1", connection);

        server.Pause();
        try
        {
            var elapsed = Stopwatch.StartNew();

            // No token: only Command Timeout, then the unanswered cancel request (Cancellation Timeout) bound the wait.
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => command.ExecuteScalarAsync(TestContext.Current.CancellationToken));

            // Command Timeout (the backstop: 3 s for a 1 s operation timeout), then the cancel request (its own
            // connection, Timeout 1 s; its answer is not awaited) and the break, with slack for a loaded machine: the
            // driver lets go on its own, where before it waited as long as the stall. (The caller's bound is the store's
            // deadline, 1 s, tested by the stalled-backend suite.)
            Assert.InRange(elapsed.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(7));
            Assert.NotEqual(ConnectionState.Open, connection.State);
        }
        finally
        {
            server.Resume();
        }
    }
}
