using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores;

/// <summary>The deadline started only when an operation waits (<see cref="SessionStoreOperationRunner.DeadlineOnWait"/>).</summary>
public sealed partial class SessionStoreOperationRunner
{
    /// <summary>
    /// Whether <see cref="RunAsync{TState, TResult}"/> starts the deadline's timer only when the body returns a task that
    /// has not completed, with what is left of <see cref="OperationTimeout"/> since the call began (the deadline falls at
    /// the same instant). A body that answers synchronously (an in-memory store, a near-cache hit) then costs one
    /// <see cref="CancellationTokenSource"/> and no timer, and its own task is returned. The price: the body's token is
    /// not cancelled while the body runs synchronously (nothing cancels a body that blocks), and argument and
    /// cancellation checks throw from the call instead of through the task. For callers that bound another component's
    /// calls (an integration around <see cref="ISessionStore"/>), whose stores keep their own deadline. Default: false.
    /// </summary>
    public bool DeadlineOnWait { get; init; }

    private Task<TResult> RunWithDeadlineOnWait<TState, TResult>(
        string operation, TState state, Func<TState, CancellationToken, Task<TResult>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        cancellationToken.ThrowIfCancellationRequested();
        var telemetry = StartTelemetry(operation);
        var started = Stopwatch.GetTimestamp();
        var driver = new CancellationTokenSource();
        Task<TResult> task;
        try
        {
            task = body(state, driver.Token);
        }
        catch (Exception ex)
        {
            driver.Dispose();
            throw Failure(ex, null, operation, null, cancellationToken, telemetry);
        }

        if (task.IsCompletedSuccessfully)
        {
            driver.Dispose();
            telemetry.Complete();
            return task;
        }

        return WaitWithDeadlineAsync(task, driver, started, operation, cancellationToken, telemetry);
    }

    private async Task<TResult> WaitWithDeadlineAsync<TResult>(
        Task<TResult> task, CancellationTokenSource driver, long started, string operation, CancellationToken cancellationToken, SessionStoreOperation telemetry)
    {
        CancellationTokenSource? deadline = null;
        try
        {
            if (!task.IsCompleted)
            {
                deadline = StartDeadline(cancellationToken, OperationTimeout - Stopwatch.GetElapsedTime(started));
                CancelDriverWith(deadline.Token, driver);
                await task.WaitAsync(deadline.Token).ConfigureAwait(false);
            }

            var result = await task.ConfigureAwait(false);
            telemetry.Complete();
            return result;
        }
        catch (Exception ex)
        {
            throw Failure(ex, task, operation, deadline, cancellationToken, telemetry);
        }
        finally
        {
            if (deadline is null)
            {
                driver.Dispose();
            }
            else
            {
                ReleaseDriverCancellation(driver, deadline);
                deadline.Dispose();
            }
        }
    }
}
