using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores;

/// <summary>
/// The running deadline of one operation made of steps (pages, batches), from
/// <see cref="SessionStoreOperationRunner.Start"/>: each step gets the whole
/// <see cref="SessionStoreOptions.OperationTimeout"/>, the operation as a whole has no deadline. Not thread-safe: one
/// operation drives it. The operation is timed for <see cref="SessionStoreDiagnostics"/> from its start to
/// <see cref="Dispose"/>, as failed when <see cref="ToThrow"/> mapped a failure.
/// </summary>
public sealed class SessionStoreDeadline : IDisposable
{
    private readonly SessionStoreOperationRunner _runner;
    private readonly string _operation;
    private readonly CancellationTokenSource _source;
    private readonly CancellationTokenSource _driver;
    private readonly CancellationToken _caller;
    private readonly SessionStoreOperation _telemetry;
    private bool _failed;

    internal SessionStoreDeadline(
        SessionStoreOperationRunner runner, string operation, SessionStoreOperation telemetry, CancellationTokenSource source, CancellationToken caller)
    {
        _runner = runner;
        _operation = operation;
        _telemetry = telemetry;
        _source = source;
        _driver = SessionStoreOperationRunner.DriverCancellation(source.Token);
        _caller = caller;
    }

    /// <summary>Cancelled when a step overruns the timeout or the caller cancels (shortly after: from the thread pool,
    /// so that a driver's blocking cancellation never holds up the wait of <see cref="WaitAsync{T}"/>).</summary>
    public CancellationToken Token => _driver.Token;

    /// <summary>A step begins: it gets the whole timeout from now (no effect once the deadline has passed).</summary>
    public void Restart() => _source.CancelAfter(_runner.OperationTimeout);

    /// <summary>Between steps (the caller's own time, such as a consumer reading a page): no deadline runs until
    /// <see cref="Restart"/>.</summary>
    public void Suspend() => _source.CancelAfter(Timeout.InfiniteTimeSpan);

    /// <summary>Waits for <paramref name="task"/> until the deadline; a task still running then is abandoned (its later
    /// failure is logged, never unobserved) and the wait throws an <see cref="OperationCanceledException"/>.</summary>
    /// <typeparam name="T">The result.</typeparam>
    /// <param name="task">What a step waits for.</param>
    /// <returns>The result of <paramref name="task"/>.</returns>
    public async Task<T> WaitAsync<T>(Task<T> task)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            return await task.WaitAsync(_source.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!task.IsCompleted)
        {
            _runner.Abandon(task);
            throw;
        }
    }

    /// <summary>
    /// What a failed step throws, by the runner's rule (see <see cref="SessionStoreOperationRunner"/>): with the caller's
    /// token cancelled, an <see cref="OperationCanceledException"/>; past the deadline, the runner's transient timeout
    /// <see cref="SessionStoreException"/> for a cancellation, timeout or transient failure; a backend failure wrapped;
    /// anything else is rethrown unchanged (this method then does not return).
    /// </summary>
    /// <param name="exception">What the step threw.</param>
    /// <returns>The exception to throw.</returns>
    public Exception ToThrow(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        _failed = true;
        return _runner.Failure(exception, null, _operation, _source, _caller, _telemetry);
    }

    /// <summary>Stops the timer and ends the operation's timing.</summary>
    public void Dispose()
    {
        if (!_failed)
        {
            _telemetry.Complete();
        }

        SessionStoreOperationRunner.ReleaseDriverCancellation(_driver, _source);
        _source.Dispose();
    }
}
