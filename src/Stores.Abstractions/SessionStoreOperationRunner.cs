using System;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SessionStores;

/// <summary>
/// Runs a store's operations under its <see cref="SessionStoreOptions.OperationTimeout"/>: the operation's body gets a
/// token cancelled at the deadline (linked with the caller's token), and the caller stops waiting at the deadline even
/// when the driver ignores that token. One instance per store, created with the store.
/// </summary>
/// <remarks>
/// <para>At the deadline the operation throws a transient <see cref="SessionStoreException"/> that names the backend, the
/// operation and the timeout, wrapping a <see cref="TimeoutException"/> (whose inner exception is what the body threw,
/// if it ended). The caller's own cancellation still throws <see cref="OperationCanceledException"/>. A body that did
/// not end by the deadline is abandoned, never awaited again; should it fail later, its exception is observed and logged
/// at Debug level (the caller already has the timeout), so it never surfaces as an unobserved task exception.</para>
/// <para>The body sees the deadline as a cancelled token: a store that turns its token's cancellation into an
/// <see cref="OperationCanceledException"/> (as <see cref="SessionStoreErrors.ToThrow"/> does) needs no other change.
/// Pass a <see langword="static"/> lambda with its data in <c>state</c>, so a call allocates no closure; a call costs one
/// timer-backed <see cref="CancellationTokenSource"/>, plus one wait when the body does not complete synchronously.</para>
/// </remarks>
public sealed partial class SessionStoreOperationRunner
{
    private readonly ILogger _logger;

    /// <summary>Creates a runner.</summary>
    /// <param name="backend">The backend as users know it, for messages (for example <c>PostgreSQL</c>).</param>
    /// <param name="operationTimeout">The deadline of each operation: greater than zero and at most
    /// <see cref="SessionLimits.MaxOperationTimeout"/>.</param>
    /// <param name="logger">Logs failures of abandoned bodies; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="operationTimeout"/> is out of range.</exception>
    public SessionStoreOperationRunner(string backend, TimeSpan operationTimeout, ILogger? logger = null)
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
    /// <param name="operation">The operation, for messages (for example <c>Get</c>).</param>
    /// <param name="state">Passed to <paramref name="body"/>.</param>
    /// <param name="body">The operation; give its token to every call that may wait.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The result of <paramref name="body"/>.</returns>
    public async Task<TResult> RunAsync<TState, TResult>(
        string operation, TState state, Func<TState, CancellationToken, Task<TResult>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        cancellationToken.ThrowIfCancellationRequested();
        using var deadline = StartDeadline(cancellationToken);
        Task<TResult>? task = null;
        try
        {
            task = body(state, deadline.Token);
            return await task.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw Failure(ex, task, operation, deadline, cancellationToken);
        }
    }

    /// <summary>Runs one operation without a result under the deadline; see <see cref="RunAsync{TState, TResult}"/>.</summary>
    /// <typeparam name="TState">What <paramref name="body"/> needs.</typeparam>
    /// <param name="operation">The operation, for messages.</param>
    /// <param name="state">Passed to <paramref name="body"/>.</param>
    /// <param name="body">The operation; give its token to every call that may wait.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>A task that completes with <paramref name="body"/>.</returns>
    public async Task RunAsync<TState>(string operation, TState state, Func<TState, CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        cancellationToken.ThrowIfCancellationRequested();
        using var deadline = StartDeadline(cancellationToken);
        Task? task = null;
        try
        {
            task = body(state, deadline.Token);
            await task.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw Failure(ex, task, operation, deadline, cancellationToken);
        }
    }

    /// <summary>The exception a timed-out operation throws.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="innerException">What the operation threw at the deadline, if anything.</param>
    /// <returns>A transient <see cref="SessionStoreException"/> wrapping a <see cref="TimeoutException"/>.</returns>
    public SessionStoreException TimeoutError(string operation, Exception? innerException)
    {
        var seconds = OperationTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var message = $"{Backend} session store: {operation} did not answer within OperationTimeout ({seconds} s).";
        return new SessionStoreException(message, new TimeoutException(message, innerException), isTransient: true);
    }

    private CancellationTokenSource StartDeadline(CancellationToken cancellationToken)
    {
        var deadline = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)
            : new CancellationTokenSource();
        deadline.CancelAfter(OperationTimeout);
        return deadline;
    }

    private Exception Failure(Exception exception, Task? task, string operation, CancellationTokenSource deadline, CancellationToken cancellationToken)
    {
        if (task is { IsCompleted: false })
        {
            // Abandoned: the caller stops waiting now. Observe its end so a late failure is logged, not unobserved.
            _ = task.ContinueWith(
                static (t, s) => ((SessionStoreOperationRunner)s!).LogAbandoned(t),
                this,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            // The caller's cancellation stays a cancellation, carrying the caller's token.
            return exception is OperationCanceledException oce && oce.CancellationToken == cancellationToken
                ? exception
                : new OperationCanceledException("The session store operation was canceled.", exception, cancellationToken);
        }

        // Past the deadline, whatever the driver reported about it (a cancellation, a timeout, a transient failure) is the
        // timeout; an answer the store decided on (corrupt data, a permanent error, bad input) is not.
        if (deadline.IsCancellationRequested && exception is OperationCanceledException or TimeoutException or SessionStoreException { IsTransient: true })
        {
            // The runner's own wait-cancellation says nothing about the driver: leave it out.
            return TimeoutError(operation, exception is OperationCanceledException && task is { IsCompleted: false } ? null : exception);
        }

        ExceptionDispatchInfo.Throw(exception);
        return exception;
    }

    private void LogAbandoned(Task task) => Log.AbandonedOperationFailed(_logger, Backend, task.Exception!.GetBaseException());

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, EventName = "AbandonedOperationFailed", Level = LogLevel.Debug,
            Message = "A {Backend} session store operation failed after its deadline had passed and its caller had stopped waiting")]
        public static partial void AbandonedOperationFailed(ILogger logger, string backend, Exception exception);
    }
}
