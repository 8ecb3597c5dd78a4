using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SessionStores;

/// <summary>
/// Runs a store's operations, the same way in every store: under its <see cref="SessionStoreOptions.OperationTimeout"/>
/// (the body gets a token cancelled at the deadline, linked with the caller's token, and the caller stops waiting at the
/// deadline even when the driver ignores that token), timed for <see cref="SessionStoreDiagnostics"/>, and with its
/// failures mapped by one rule (see <see cref="SessionStoreBackend"/>). One instance per store, created with the store.
/// </summary>
/// <remarks>
/// <para>At the deadline the operation throws a transient <see cref="SessionStoreException"/> that names the backend, the
/// operation and the timeout, wrapping a <see cref="TimeoutException"/> (whose inner exception is what the body threw,
/// if it ended). The caller's own cancellation still throws <see cref="OperationCanceledException"/>. A backend failure
/// (as <see cref="SessionStoreBackend.IsFailure"/> says) is wrapped by <see cref="SessionStoreErrors.Wrap"/>; anything
/// else the body throws (argument errors, <see cref="SessionStoreException"/>s it decided on) passes unchanged. A body that
/// did not end by the deadline is abandoned, never awaited again; should it fail later, its exception is observed and
/// logged at Debug level (the caller already has the timeout), so it never surfaces as an unobserved task exception.</para>
/// <para>Validate the arguments before calling the runner: bad input is not an operation (it is neither timed nor given a
/// deadline). Pass a <see langword="static"/> lambda with its data in <c>state</c>, so a call allocates no closure; a
/// call costs two <see cref="CancellationTokenSource"/>s (the timer-backed deadline and the driver's token), plus one
/// wait when the body does not complete synchronously.</para>
/// </remarks>
public sealed partial class SessionStoreOperationRunner
{
    private readonly ILogger _logger;
    private readonly SessionStoreBackend? _backend;

    /// <summary>Creates a store's runner.</summary>
    /// <param name="backend">The store's backend: its names, and which of its exceptions are failures.</param>
    /// <param name="operationTimeout">The deadline of each operation: greater than zero and at most
    /// <see cref="SessionLimits.MaxOperationTimeout"/>.</param>
    /// <param name="logger">Logs failures of abandoned bodies.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="operationTimeout"/> is out of range.</exception>
    public SessionStoreOperationRunner(SessionStoreBackend backend, TimeSpan operationTimeout, ILogger logger)
        : this(backend?.DisplayName!, operationTimeout, logger)
    {
        _backend = backend;
    }

    /// <summary>Creates a runner that bounds calls of a store it does not own (an integration's own deadline around
    /// <see cref="ISessionStore"/> calls): it neither times them nor wraps their exceptions, which the store did.</summary>
    /// <param name="backend">The backend as messages name it.</param>
    /// <param name="operationTimeout">The deadline of each operation: greater than zero and at most
    /// <see cref="SessionLimits.MaxOperationTimeout"/>.</param>
    /// <param name="logger">Logs failures of abandoned bodies; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="operationTimeout"/> is out of range.</exception>
    public SessionStoreOperationRunner(string backend, TimeSpan operationTimeout, ILogger? logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backend);
        if (ValidateOperationTimeout(operationTimeout, nameof(SessionStoreOptions)) is { } problem)
        {
            throw new ArgumentOutOfRangeException(nameof(operationTimeout), operationTimeout, problem);
        }

        Backend = backend;
        OperationTimeout = operationTimeout;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The backend named in messages.</summary>
    public string Backend { get; }

    /// <summary>The deadline of each operation.</summary>
    public TimeSpan OperationTimeout { get; }

    /// <summary>The setting that sets <see cref="OperationTimeout"/>, as timeout messages name it. Default:
    /// <c>OperationTimeout</c> (<see cref="SessionStoreOptions.OperationTimeout"/>); a caller that bounds store calls
    /// with a deadline of its own names its own setting.</summary>
    public string TimeoutSetting { get; init; } = nameof(SessionStoreOptions.OperationTimeout);

    /// <summary>
    /// The problem with an <see cref="SessionStoreOptions.OperationTimeout"/> value, naming the option, or
    /// <see langword="null"/> when it is valid (greater than zero and at most <see cref="SessionLimits.MaxOperationTimeout"/>).
    /// </summary>
    /// <param name="operationTimeout">The value.</param>
    /// <param name="optionsType">The options class, for the message (for example <c>RedisSessionStoreOptions</c>).</param>
    /// <returns>The message, or <see langword="null"/>.</returns>
    public static string? ValidateOperationTimeout(TimeSpan operationTimeout, string optionsType) =>
        operationTimeout > TimeSpan.Zero && operationTimeout <= SessionLimits.MaxOperationTimeout
            ? null
            : $"{optionsType}.OperationTimeout must be greater than zero and at most {SessionLimits.MaxOperationTimeout} (it is {operationTimeout}).";

    /// <summary>Runs one operation under the deadline.</summary>
    /// <typeparam name="TState">What <paramref name="body"/> needs (the store, the arguments).</typeparam>
    /// <typeparam name="TResult">The operation's result.</typeparam>
    /// <param name="operation">The operation: a <see cref="SessionStoreOperationNames"/> constant.</param>
    /// <param name="state">Passed to <paramref name="body"/>.</param>
    /// <param name="body">The operation; give its token to every call that may wait.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The result of <paramref name="body"/>.</returns>
    public Task<TResult> RunAsync<TState, TResult>(
        string operation, TState state, Func<TState, CancellationToken, Task<TResult>> body, CancellationToken cancellationToken) =>
        DeadlineOnWait ? RunWithDeadlineOnWait(operation, state, body, cancellationToken) : RunWithDeadlineAsync(operation, state, body, cancellationToken);

    private async Task<TResult> RunWithDeadlineAsync<TState, TResult>(
        string operation, TState state, Func<TState, CancellationToken, Task<TResult>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        cancellationToken.ThrowIfCancellationRequested();
        var telemetry = StartTelemetry(operation);
        using var deadline = StartDeadline(cancellationToken);
        var driver = DriverCancellation(deadline.Token);
        Task<TResult>? task = null;
        try
        {
            task = body(state, driver.Token);
            var result = await task.WaitAsync(deadline.Token).ConfigureAwait(false);
            telemetry.Complete();
            return result;
        }
        catch (Exception ex)
        {
            throw Failure(ex, task, operation, deadline, cancellationToken, telemetry);
        }
        finally
        {
            ReleaseDriverCancellation(driver, deadline);
        }
    }

    /// <summary>Runs one operation without a result under the deadline; see <see cref="RunAsync{TState, TResult}"/>.</summary>
    /// <typeparam name="TState">What <paramref name="body"/> needs.</typeparam>
    /// <param name="operation">The operation: a <see cref="SessionStoreOperationNames"/> constant.</param>
    /// <param name="state">Passed to <paramref name="body"/>.</param>
    /// <param name="body">The operation; give its token to every call that may wait.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>A task that completes with <paramref name="body"/>.</returns>
    public async Task RunAsync<TState>(string operation, TState state, Func<TState, CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        cancellationToken.ThrowIfCancellationRequested();
        var telemetry = StartTelemetry(operation);
        using var deadline = StartDeadline(cancellationToken);
        var driver = DriverCancellation(deadline.Token);
        Task? task = null;
        try
        {
            task = body(state, driver.Token);
            await task.WaitAsync(deadline.Token).ConfigureAwait(false);
            telemetry.Complete();
        }
        catch (Exception ex)
        {
            throw Failure(ex, task, operation, deadline, cancellationToken, telemetry);
        }
        finally
        {
            ReleaseDriverCancellation(driver, deadline);
        }
    }

    /// <summary>The exception a timed-out operation throws.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="innerException">What the operation threw at the deadline, if anything.</param>
    /// <returns>A transient <see cref="SessionStoreException"/> wrapping a <see cref="TimeoutException"/>.</returns>
    public SessionStoreException TimeoutError(string operation, Exception? innerException)
    {
        var seconds = OperationTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var message = SessionStoreErrors.Message(Backend, operation, $"did not answer within {TimeoutSetting} ({seconds} s).");
        return new SessionStoreException(message, new TimeoutException(message, innerException), isTransient: true);
    }

    /// <summary>
    /// The token the driver gets: cancelled once <paramref name="deadline"/> is, but never inline and never on the thread
    /// pool: a driver may block in its cancellation callback (Npgsql connects to the server to send its cancel request,
    /// which a stopped server does not complete). Run inline, that held up the caller's own wait, cancelled by the same
    /// timer; run on the thread pool, a stall that abandons many calls at once starved the application's threads (requests
    /// answered after 3 s with a 1 s deadline). So cancellations go to <see cref="DriverCancellations"/>, one dedicated
    /// thread.
    /// </summary>
    internal static CancellationTokenSource DriverCancellation(CancellationToken deadline)
    {
        var driver = new CancellationTokenSource();
        CancelDriverWith(deadline, driver);
        return driver;
    }

    private static void CancelDriverWith(CancellationToken deadline, CancellationTokenSource driver) =>
        deadline.UnsafeRegister(static state => DriverCancellations.Enqueue((CancellationTokenSource)state!), driver);

    /// <summary>Disposes the driver's source, unless its cancellation is already queued (the deadline passed or the
    /// caller cancelled): that cancellation must still reach an abandoned driver call, and the source goes with it.</summary>
    internal static void ReleaseDriverCancellation(CancellationTokenSource driver, CancellationTokenSource deadline)
    {
        if (!deadline.IsCancellationRequested)
        {
            driver.Dispose();
        }
    }

    private CancellationTokenSource StartDeadline(CancellationToken cancellationToken) => StartDeadline(cancellationToken, OperationTimeout);

    private static CancellationTokenSource StartDeadline(CancellationToken cancellationToken, TimeSpan timeout)
    {
        var deadline = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)
            : new CancellationTokenSource();
        deadline.CancelAfter(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero);
        return deadline;
    }

    internal SessionStoreOperation StartTelemetry(string operation) =>
        _backend is null ? default : SessionStoreOperation.Start(_backend.SystemName, operation);

    /// <summary>What a failed operation throws (see the class remarks), recorded as the operation's end; the exceptions
    /// that pass unchanged are rethrown from here with their stack trace.</summary>
    internal Exception Failure(
        Exception exception, Task? task, string operation, CancellationTokenSource? deadline, CancellationToken cancellationToken, SessionStoreOperation telemetry)
    {
        if (task is { IsCompleted: false })
        {
            Abandon(task);
        }

        var thrown = Map(exception, task, operation, deadline, cancellationToken);
        telemetry.Fail(thrown ?? exception);
        if (thrown is null)
        {
            ExceptionDispatchInfo.Throw(exception);
        }

        return thrown;
    }

    // Null: rethrow the exception unchanged.
    private Exception? Map(Exception exception, Task? task, string operation, CancellationTokenSource? deadline, CancellationToken cancellationToken)
    {
        // No deadline: the body failed before it waited, so before any deadline started.
        var pastDeadline = deadline is { IsCancellationRequested: true } && !cancellationToken.IsCancellationRequested;
        if (exception is SessionStoreException decided)
        {
            // Past the deadline, a transient failure is the timeout; an answer the store decided on (corrupt data, a
            // permanent error) is not.
            return pastDeadline && decided.IsTransient ? TimeoutError(operation, decided) : null;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            // The caller's cancellation stays a cancellation carrying the caller's token, whatever the driver made of it.
            return exception is OperationCanceledException oce && oce.CancellationToken == cancellationToken
                ? null
                : new OperationCanceledException("The session store operation was canceled.", exception, cancellationToken);
        }

        // A cancellation or timeout the caller did not ask for is the deadline's or the driver's own: a transient failure.
        var timedOut = exception is OperationCanceledException or TimeoutException;
        var failure = _backend?.IsFailure(exception) == true;
        if (pastDeadline && (timedOut || (failure && _backend!.IsTransient(exception))))
        {
            // The runner's own wait-cancellation says nothing about the driver: leave it out.
            var inner = exception is OperationCanceledException && task is { IsCompleted: false } ? null : _backend?.Redact(exception) ?? exception;
            return TimeoutError(operation, inner);
        }

        if (_backend is null)
        {
            return null;
        }

        if (timedOut)
        {
            return SessionStoreErrors.Create(Backend, operation, _backend.Redact(exception), isTransient: true);
        }

        return failure ? SessionStoreErrors.Wrap(_backend, operation, exception) : null;
    }

    // The caller stops waiting now. Observe the task's end so a late failure is logged, not unobserved.
    internal void Abandon(Task task) =>
        _ = task.ContinueWith(
            static (t, s) => ((SessionStoreOperationRunner)s!).LogAbandoned(t),
            this,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    private void LogAbandoned(Task task) => Log.AbandonedOperationFailed(_logger, Backend, task.Exception!.GetBaseException());

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, EventName = "AbandonedOperationFailed", Level = LogLevel.Debug,
            Message = "A {Backend} session store operation failed after its deadline had passed and its caller had stopped waiting")]
        public static partial void AbandonedOperationFailed(ILogger logger, string backend, Exception exception);
    }
}
