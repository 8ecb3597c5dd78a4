using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SessionStores.Abstractions.Tests;
using SessionStores.Conformance;
using SessionStores.HealthChecks;
using SessionStores.Postgres.Tests;
using SessionStores.Redis.Tests;
using Xunit;

namespace SessionStores.Extensions.Tests;

public sealed class MemoryHealthCheckTests(MemoryFixture fixture) : HealthCheckTests<MemoryFixture>(fixture);

public sealed class FileHealthCheckTests(FileStoreFixture fixture) : HealthCheckTests<FileStoreFixture>(fixture);

public sealed class RedisHealthCheckTests(RedisFixture fixture) : HealthCheckTests<RedisFixture>(fixture);

public sealed class PostgresHealthCheckTests(PostgresFixture fixture) : HealthCheckTests<PostgresFixture>(fixture);

/// <summary>The check against a live store of each backend.</summary>
public abstract class HealthCheckTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, ISessionStoreFixture
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_store_that_answers_is_healthy_and_the_data_name_the_store_and_the_latency()
    {
        var store = await fixture.CreateStoreAsync(new ConformanceStoreOptions(HealthChecking.NewNamespace()), Token);
        await using var _ = store as IAsyncDisposable;

        var result = await HealthChecking.RunAsync(HealthChecking.Patient(store));

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal(store.GetType().Name, result.Data["store"]);
        Assert.IsType<double>(result.Data["latencyMs"]);
        Assert.Null(await store.GetAsync(SessionStoreHealthCheck.ProbeId, Token));
        Assert.Equal(0, await store.CountAsync(SessionQuery.All, Token));
    }

    [Fact]
    public async Task An_answer_slower_than_the_threshold_is_degraded()
    {
        var store = await fixture.CreateStoreAsync(new ConformanceStoreOptions(HealthChecking.NewNamespace()), Token);
        await using var _ = store as IAsyncDisposable;

        // No round trip, not even in memory, takes less than one tick (100 ns).
        var result = await HealthChecking.RunAsync(new SessionStoreHealthCheck(store, new() { Timeout = TimeSpan.FromSeconds(30), DegradedAfter = TimeSpan.FromTicks(1) }));

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("more than the", result.Description, StringComparison.Ordinal);
    }
}

public sealed class RedisStalledHealthCheckTests(RedisStallableFixture fixture) : StalledHealthCheckTests<RedisStallableFixture>(fixture);

public sealed class PostgresStalledHealthCheckTests(PostgresStallableFixture fixture) : StalledHealthCheckTests<PostgresStallableFixture>(fixture);

/// <summary>A server stopped with SIGSTOP (connections open, nothing answers) makes the check fail by its own deadline,
/// not the store's.</summary>
public abstract class StalledHealthCheckTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, IStallableBackendFixture
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_stopped_server_is_unhealthy_by_the_checks_timeout_and_healthy_again_once_it_answers()
    {
        // The store's own deadline is far beyond the check's, so only the check can end the wait.
        var store = await fixture.CreateStoreAsync(new ConformanceStoreOptions(HealthChecking.NewNamespace()) { OperationTimeout = TimeSpan.FromMinutes(2) }, Token);
        await using var _ = store as IAsyncDisposable;
        await store.GetAsync("warm-up", Token);
        var check = new SessionStoreHealthCheck(store, new() { Timeout = TimeSpan.FromSeconds(1), DegradedAfter = TimeSpan.FromMilliseconds(900) });

        HealthCheckResult stalled;
        await fixture.PauseAsync(Token);
        try
        {
            stalled = await HealthChecking.RunAsync(check);
        }
        finally
        {
            fixture.Resume();
        }

        Assert.Equal(HealthStatus.Unhealthy, stalled.Status);
        Assert.Equal("The session store did not answer within 1000 ms.", stalled.Description);
        Assert.Equal(store.GetType().Name, stalled.Data["store"]);
        var recovered = await HealthChecking.RunAsync(HealthChecking.Patient(store));
        Assert.Equal(HealthStatus.Healthy, recovered.Status);
    }
}

public sealed class UnreachableHealthCheckTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_closed_redis_port_is_unhealthy_with_the_stores_error() =>
        await AssertFailsAsync(await new RedisFixture().CreateUnreachableStoreAsync(new ConformanceStoreOptions(HealthChecking.NewNamespace()), Token));

    [Fact]
    public async Task A_closed_postgres_port_is_unhealthy_with_the_stores_error() =>
        await AssertFailsAsync(await new PostgresFixture().CreateUnreachableStoreAsync(new ConformanceStoreOptions(HealthChecking.NewNamespace()), Token));

    [Fact]
    public async Task The_registrations_failure_status_is_reported()
    {
        var store = await new RedisFixture().CreateUnreachableStoreAsync(new ConformanceStoreOptions(HealthChecking.NewNamespace()), Token);
        await using var _ = store as IAsyncDisposable;

        var result = await HealthChecking.RunAsync(HealthChecking.Patient(store), HealthStatus.Degraded);

        Assert.Equal(HealthStatus.Degraded, result.Status);
    }

    private static async Task AssertFailsAsync(ISessionStore store)
    {
        await using var _ = store as IAsyncDisposable;

        var result = await HealthChecking.RunAsync(HealthChecking.Patient(store));

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.IsType<SessionStoreException>(result.Exception, exactMatch: false);
        Assert.StartsWith("The session store failed: ", result.Description, StringComparison.Ordinal);
    }
}

internal static class HealthChecking
{
    public static string NewNamespace() => "hc" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>A check that waits long enough for any answer and calls none slow: it reports only whether the store answered.</summary>
    public static SessionStoreHealthCheck Patient(ISessionStore store) =>
        new(store, new() { Timeout = TimeSpan.FromSeconds(30), DegradedAfter = TimeSpan.FromSeconds(29) });

    /// <summary>Runs <paramref name="check"/> as the health check service does, registered with <paramref name="failureStatus"/>.</summary>
    public static Task<HealthCheckResult> RunAsync(IHealthCheck check, HealthStatus failureStatus = HealthStatus.Unhealthy) =>
        check.CheckHealthAsync(
            new HealthCheckContext { Registration = new HealthCheckRegistration("sessionstore", check, failureStatus, null) },
            TestContext.Current.CancellationToken);
}
