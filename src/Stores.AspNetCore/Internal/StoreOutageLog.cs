using System;
using System.Diagnostics;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// Logs a store outage once per incident instead of once per request: the first transient failure after a success is an
/// error with its exception; the failures that follow are debug lines; the first success after them says how long the
/// incident lasted and how many requests it failed.
/// </summary>
internal sealed class StoreOutageLog
{
    private readonly ILogger _logger;
    private long _failures;
    private long _startedAt;

    public StoreOutageLog(ILogger logger)
    {
        _logger = logger;
    }

    public void Failed(SessionStoreException failure)
    {
        if (Interlocked.Increment(ref _failures) == 1)
        {
            Interlocked.Exchange(ref _startedAt, Stopwatch.GetTimestamp());
            Log.StoreUnavailable(_logger, failure);
        }
        else
        {
            Log.StoreStillUnavailable(_logger, failure.Message);
        }
    }

    /// <summary>Called after each successful store call; costs one read when no incident is open.</summary>
    public void Succeeded()
    {
        if (Volatile.Read(ref _failures) == 0)
        {
            return;
        }

        var failures = Interlocked.Exchange(ref _failures, 0);
        if (failures > 0)
        {
            Log.StoreAvailableAgain(_logger, Stopwatch.GetElapsedTime(Interlocked.Read(ref _startedAt)).TotalSeconds, failures);
        }
    }
}
