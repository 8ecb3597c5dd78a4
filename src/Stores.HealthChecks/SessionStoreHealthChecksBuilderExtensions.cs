using System;
using System.Collections.Generic;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using SessionStores;
using SessionStores.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds <see cref="SessionStoreHealthCheck"/> to the health checks.</summary>
public static class SessionStoreHealthChecksBuilderExtensions
{
    /// <summary>The default name of the check: <c>sessionstore</c>.</summary>
    public const string DefaultName = "sessionstore";

    /// <summary>
    /// Adds a check of the registered <see cref="ISessionStore"/>: one read of a reserved id, bounded by
    /// <paramref name="timeout"/>; Healthy, Degraded when slower than <paramref name="degradedAfter"/>, and
    /// <paramref name="failureStatus"/> on an error or a timeout. Serve it with <c>app.MapHealthChecks("/health")</c>.
    /// </summary>
    /// <remarks>The store is resolved when the check runs, so the check may be added before or after the store's
    /// <c>Add…SessionStore</c> call; without one, the check reports failure with a message naming those calls.
    /// <c>Add</c> (not <c>TryAdd</c>): two checks of the same name are the health check service's own error, reported at
    /// start.</remarks>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name; default <see cref="DefaultName"/>.</param>
    /// <param name="degradedAfter">Slower answers are Degraded; default
    /// <see cref="SessionStoreHealthCheckOptions.DefaultDegradedAfter"/>.</param>
    /// <param name="timeout">How long to wait for the store; default <see cref="SessionStoreHealthCheckOptions.DefaultTimeout"/>.</param>
    /// <param name="tags">Tags to filter checks by (for example <c>ready</c>).</param>
    /// <param name="failureStatus">The status on error or timeout; default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, or a threshold is out of range.</exception>
    public static IHealthChecksBuilder AddSessionStoreCheck(
        this IHealthChecksBuilder builder,
        string? name = null,
        TimeSpan? degradedAfter = null,
        TimeSpan? timeout = null,
        IEnumerable<string>? tags = null,
        HealthStatus? failureStatus = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        name ??= DefaultName;
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var options = new SessionStoreHealthCheckOptions
        {
            DegradedAfter = degradedAfter ?? SessionStoreHealthCheckOptions.DefaultDegradedAfter,
            Timeout = timeout ?? SessionStoreHealthCheckOptions.DefaultTimeout,
        };
        options.ThrowIfInvalid();

        // The registration's own timeout is a little longer than the check's, so the check reports its own, clearer result.
        return builder.Add(new HealthCheckRegistration(
            name,
            provider => new SessionStoreHealthCheck(provider, options, provider.GetService<ILogger<SessionStoreHealthCheck>>()),
            failureStatus,
            tags,
            options.Timeout + TimeSpan.FromSeconds(1)));
    }
}
