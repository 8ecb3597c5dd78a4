using System;

namespace SessionStores.HealthChecks;

/// <summary>The thresholds of <see cref="SessionStoreHealthCheck"/>.</summary>
public sealed class SessionStoreHealthCheckOptions
{
    /// <summary>The default of <see cref="DegradedAfter"/>: 1 second.</summary>
    public static readonly TimeSpan DefaultDegradedAfter = TimeSpan.FromSeconds(1);

    /// <summary>The default of <see cref="Timeout"/>: 3 seconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    /// <summary>An answer slower than this makes the result <c>Degraded</c>. Greater than zero and less than
    /// <see cref="Timeout"/>. Default: 1 second (a session read normally takes about a millisecond).</summary>
    public TimeSpan DegradedAfter { get; set; } = DefaultDegradedAfter;

    /// <summary>How long the check waits for the store before it reports failure, whatever the store does with its
    /// cancellation. Greater than zero, at most <see cref="SessionLimits.MaxOperationTimeout"/>. Default: 3 seconds, below
    /// the stores' default <c>OperationTimeout</c> of 5 seconds, so a stopped server is reported by the check's own
    /// deadline.</summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    internal void ThrowIfInvalid()
    {
        if (Timeout <= TimeSpan.Zero || Timeout > SessionLimits.MaxOperationTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout,
                $"SessionStoreHealthCheckOptions.Timeout must be greater than zero and at most {SessionLimits.MaxOperationTimeout}.");
        }

        if (DegradedAfter <= TimeSpan.Zero || DegradedAfter >= Timeout)
        {
            throw new ArgumentOutOfRangeException(nameof(DegradedAfter), DegradedAfter,
                $"SessionStoreHealthCheckOptions.DegradedAfter must be greater than zero and less than Timeout ({Timeout}).");
        }
    }
}
