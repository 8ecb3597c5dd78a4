using System;
using SessionStores.Redis.Internal;
using StackExchange.Redis;
using Xunit;

namespace SessionStores.Redis.Tests;

/// <summary>The StackExchange.Redis timeouts a store sets on the connection it makes.</summary>
public sealed class RedisTimeoutsTests
{
    [Fact]
    public void A_configuration_without_timeouts_gets_the_operation_timeout()
    {
        var configuration = ConfigurationOptions.Parse("localhost:6379");

        RedisTimeouts.Apply(configuration, TimeSpan.FromMilliseconds(1500));

        Assert.Equal(1500, configuration.AsyncTimeout);
        Assert.Equal(1500, configuration.SyncTimeout);
        Assert.Equal(1500, configuration.ConnectTimeout);
    }

    [Fact]
    public void Timeouts_the_connection_string_sets_win()
    {
        var configuration = ConfigurationOptions.Parse("localhost:6379,asyncTimeout=30000,SYNCTIMEOUT=20000,connectTimeout=700");

        RedisTimeouts.Apply(configuration, TimeSpan.FromSeconds(1));

        Assert.Equal(30000, configuration.AsyncTimeout);
        Assert.Equal(20000, configuration.SyncTimeout);
        Assert.Equal(700, configuration.ConnectTimeout);
    }
}
