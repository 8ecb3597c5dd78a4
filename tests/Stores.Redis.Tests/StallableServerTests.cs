using System;
using System.Threading.Tasks;
using SessionStores.TestServers;
using StackExchange.Redis;
using Xunit;

namespace SessionStores.Redis.Tests;

/// <summary>The dedicated Redis server a test can stall and restart behaves as the stalled-store tests assume.</summary>
public sealed class StallableServerTests
{
    [Fact]
    public async Task Paused_server_does_not_answer_and_answers_again_after_resume()
    {
        await using var server = await StallableServers.StartRedisAsync(TestContext.Current.CancellationToken);
        await using var multiplexer = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",asyncTimeout=30000");
        var database = multiplexer.GetDatabase();
        await database.StringSetAsync("k", "v");

        server.Pause();
        var read = database.StringGetAsync("k");
        var finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken));
        Assert.NotSame(read, finished);
        server.Resume();

        Assert.Equal("v", (string?)await read.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.False(server.IsPaused);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Restart_keeps_acknowledged_writes_and_the_port(bool kill)
    {
        await using var server = await StallableServers.StartRedisAsync(TestContext.Current.CancellationToken);
        var port = server.Port;
        await using (var multiplexer = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString))
        {
            await multiplexer.GetDatabase().StringSetAsync("k", "v");
        }

        server.Pause();
        await server.RestartAsync(kill, TestContext.Current.CancellationToken);

        Assert.Equal(port, server.Port);
        Assert.False(server.IsPaused);
        await using var reconnected = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        Assert.Equal("v", (string?)await reconnected.GetDatabase().StringGetAsync("k"));
    }
}
