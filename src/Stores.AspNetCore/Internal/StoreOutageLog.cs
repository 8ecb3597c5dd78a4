using System;
using System.Diagnostics;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// Logs a store outage once per incident instead of once per request. The first transient failure opens an incident and
/// is an error with its exception (at most one such error per 30 s, so a flapping store does not flood the log); the
/// failures that follow are debug lines. A success closes the incident only once no failure has been seen for a second
/// (a partial outage, one cluster shard down, alternates successes and failures), with one information line saying how
/// long it lasted and how many store calls failed.
/// </summary>
internal sealed class StoreOutageLog
{
    private static readonly long QuietTicks = Stopwatch.Frequency;
    private static readonly long ErrorIntervalTicks = Stopwatch.Frequency * 30;
    private readonly ILogger _logger;
    private readonly object _lock = new();
    private bool _open;
    private long _failures;
    private long _startedAt;
    private long _lastFailureAt;
    private long _lastErrorAt = long.MinValue / 2;

    public StoreOutageLog(ILogger logger)
    {
        _logger = logger;
    }

    public void Failed(SessionStoreException failure)
    {
        var now = Stopwatch.GetTimestamp();
        bool logError;
        lock (_lock)
        {
            _failures++;
            _lastFailureAt = now;
            logError = !_open && now - _lastErrorAt >= ErrorIntervalTicks;
            if (!_open)
            {
                _open = true;
                _startedAt = now;
            }

            if (logError)
            {
                _lastErrorAt = now;
            }
        }

        if (logError)
        {
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
        if (!Volatile.Read(ref _open))
        {
            return;
        }

        long failures;
        double seconds;
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (!_open || now - _lastFailureAt < QuietTicks)
            {
                return;
            }

            _open = false;
            failures = _failures;
            _failures = 0;
            seconds = Stopwatch.GetElapsedTime(_startedAt, now).TotalSeconds;
        }

        Log.StoreAvailableAgain(_logger, seconds, failures);
    }
}
