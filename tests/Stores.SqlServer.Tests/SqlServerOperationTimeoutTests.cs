using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace SessionStores.SqlServer.Tests;

/// <summary>OperationTimeout in the SQL Server store, against a listener that accepts connections and never answers.</summary>
public sealed class SqlServerOperationTimeoutTests
{
    [Fact]
    public async Task A_server_that_never_answers_times_out_at_the_operation_timeout_even_with_longer_driver_timeouts()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var store = new SqlServerSessionStore(new SqlServerSessionStoreOptions
        {
            ConnectionString = $"Server=127.0.0.1,{port};User Id=sa;Password=x;Connect Timeout=60;Encrypt=false",
            PruneInterval = null,
            OperationTimeout = TimeSpan.FromMilliseconds(500),
        });
        var elapsed = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<SessionStoreException>(() => store.GetAsync("abc", TestContext.Current.CancellationToken));

        Assert.True(elapsed.Elapsed <= TimeSpan.FromSeconds(1.5), $"took {elapsed.Elapsed}");
        Assert.True(ex.IsTransient);
        Assert.Equal("SQL Server session store: Get did not answer within OperationTimeout (0.5 s).", ex.Message);
    }

    [Fact]
    public void An_out_of_range_operation_timeout_is_refused_naming_the_option()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SqlServerSessionStore(new SqlServerSessionStoreOptions
        {
            ConnectionString = SqlServerFixture.Unreachable,
            PruneInterval = null,
            OperationTimeout = TimeSpan.FromMinutes(11),
        }));

        Assert.Contains("SqlServerSessionStoreOptions.OperationTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dependency_injection_refuses_an_out_of_range_operation_timeout_at_start()
    {
        var services = new ServiceCollection();
        services.AddSqlServerSessionStore(o => { o.ConnectionString = SqlServerFixture.Unreachable; o.OperationTimeout = TimeSpan.Zero; });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SqlServerSessionStoreOptions>>().Value);

        Assert.Contains("OperationTimeout", ex.Message, StringComparison.Ordinal);
    }
}
