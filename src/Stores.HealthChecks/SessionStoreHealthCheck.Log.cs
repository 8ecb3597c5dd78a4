using System;
using Microsoft.Extensions.Logging;

namespace SessionStores.HealthChecks;

public sealed partial class SessionStoreHealthCheck
{
    // Event ids 1900–1949 belong to the health check (docs/adding-a-store.md).
    private static partial class Log
    {
        [LoggerMessage(EventId = 1900, EventName = nameof(ProbeSlow), Level = LogLevel.Warning,
            Message = "Session store health probe: {Store} answered in {LatencyMs:F0} ms, more than the {DegradedAfterMs:F0} ms allowed")]
        public static partial void ProbeSlow(ILogger logger, string store, double latencyMs, double degradedAfterMs);

        [LoggerMessage(EventId = 1901, EventName = nameof(ProbeTimedOut), Level = LogLevel.Warning,
            Message = "Session store health probe: {Store} did not answer within {TimeoutMs:F0} ms")]
        public static partial void ProbeTimedOut(ILogger logger, string store, double timeoutMs);

        [LoggerMessage(EventId = 1902, EventName = nameof(ProbeFailed), Level = LogLevel.Warning,
            Message = "Session store health probe: {Store} failed after {LatencyMs:F0} ms")]
        public static partial void ProbeFailed(ILogger logger, string store, double latencyMs, Exception exception);
    }
}
