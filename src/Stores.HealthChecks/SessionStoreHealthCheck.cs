using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SessionStores.HealthChecks;

/// <summary>
/// Checks a session store with one bounded round trip: a read of the reserved session id <see cref="ProbeId"/>.
/// <see cref="HealthStatus.Healthy"/> when the store answers within <see cref="SessionStoreHealthCheckOptions.DegradedAfter"/>,
/// <see cref="HealthStatus.Degraded"/> when it answers later, and the registration's failure status (by default
/// <see cref="HealthStatus.Unhealthy"/>) when it fails or does not answer within <see cref="SessionStoreHealthCheckOptions.Timeout"/>.
/// </summary>
/// <remarks>
/// <para>The check never throws: every failure, a timeout and a cancellation are reported as its result. The timeout
/// holds even when the store ignores cancellation (a stopped server): the check stops waiting and reports, and the
/// abandoned read finishes (or fails) in the background under the store's own <c>OperationTimeout</c>.</para>
/// <para>The result's data names the store (<c>store</c>: its type) and the measured latency (<c>latencyMs</c>).
/// A read is the cheapest round trip every store has and writes nothing, so the probe neither creates sessions nor
/// needs write permission; whether the probe id exists does not matter.</para>
/// </remarks>
public sealed partial class SessionStoreHealthCheck : IHealthCheck
{
    /// <summary>The session id the check reads: a valid id that an application's generated ids never take.</summary>
    public const string ProbeId = "sessionstores-health-probe";

    private readonly Func<ISessionStore> _store;
    private readonly TimeSpan _degradedAfter;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;

    /// <summary>Creates a check of <paramref name="store"/>.</summary>
    /// <param name="store">The store to check.</param>
    /// <param name="options">The thresholds; <see langword="null"/> keeps the defaults.</param>
    /// <param name="logger">Where failures and slow answers are logged.</param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is out of range (see <see cref="SessionStoreHealthCheckOptions"/>).</exception>
    public SessionStoreHealthCheck(ISessionStore store, SessionStoreHealthCheckOptions? options = null, ILogger<SessionStoreHealthCheck>? logger = null)
        : this(Of(store), options, logger)
    {
    }

    /// <summary>A check that resolves the registered store when it runs, so that a missing registration is an unhealthy
    /// result naming the call to add, not an exception out of the health check service.</summary>
    internal SessionStoreHealthCheck(IServiceProvider services, SessionStoreHealthCheckOptions? options, ILogger<SessionStoreHealthCheck>? logger)
        : this(() => services.GetService<ISessionStore>() ?? throw new InvalidOperationException(MissingStoreMessage), options, logger)
    {
    }

    private SessionStoreHealthCheck(Func<ISessionStore> store, SessionStoreHealthCheckOptions? options, ILogger? logger)
    {
        options ??= new SessionStoreHealthCheckOptions();
        options.ThrowIfInvalid();
        _store = store;
        _degradedAfter = options.DegradedAfter;
        _timeout = options.Timeout;
        _logger = logger ?? NullLogger.Instance;
    }

    internal const string MissingStoreMessage =
        "No ISessionStore is registered: call one of the Add…SessionStore methods (AddRedisSessionStore, AddPostgresSessionStore, " +
        "AddFileSessionStore, AddMemorySessionStore, …) on the services before the health check runs.";

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failureStatus = context?.Registration?.FailureStatus ?? HealthStatus.Unhealthy;
        var started = Stopwatch.GetTimestamp();
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            var store = _store();
            data["store"] = store.GetType().Name;
            var read = store.GetAsync(ProbeId, deadline.Token);
            try
            {
                // WaitAsync: the deadline holds even when the store ignores its token.
                await read.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!read.IsCompleted)
            {
                ObserveLater(read);
                throw;
            }

            var latency = Stopwatch.GetElapsedTime(started);
            data["latencyMs"] = latency.TotalMilliseconds;
            if (latency > _degradedAfter)
            {
                Log.ProbeSlow(_logger, (string)data["store"], latency.TotalMilliseconds, _degradedAfter.TotalMilliseconds);
                return HealthCheckResult.Degraded(
                    $"The session store answered in {latency.TotalMilliseconds:F0} ms, more than the {_degradedAfter.TotalMilliseconds:F0} ms allowed.", data: data);
            }

            return HealthCheckResult.Healthy($"The session store answered in {latency.TotalMilliseconds:F0} ms.", data);
        }
        catch (Exception exception) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var latency = Stopwatch.GetElapsedTime(started);
            data["latencyMs"] = latency.TotalMilliseconds;
            var store = data.TryGetValue("store", out var name) ? (string)name : "the session store";
            Log.ProbeTimedOut(_logger, store, _timeout.TotalMilliseconds);
            return new HealthCheckResult(failureStatus, $"The session store did not answer within {_timeout.TotalMilliseconds:F0} ms.", exception, data);
        }
        catch (Exception exception)
        {
            var latency = Stopwatch.GetElapsedTime(started);
            data["latencyMs"] = latency.TotalMilliseconds;
            var store = data.TryGetValue("store", out var name) ? (string)name : "the session store";
            var description = cancellationToken.IsCancellationRequested
                ? "The session store check was cancelled before the store answered."
                : $"The session store failed: {exception.Message}";
            Log.ProbeFailed(_logger, store, latency.TotalMilliseconds, exception);
            return new HealthCheckResult(failureStatus, description, exception, data);
        }
    }

    private static Func<ISessionStore> Of(ISessionStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return () => store;
    }

    // An abandoned read may still fail later; observe it so that it is not reported as an unobserved task exception.
    private static void ObserveLater(Task read) =>
        read.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
