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
/// timer-backed <see cref="CancellationTokenSource"/>, plus one wait when the body does not complete synchronously
/// (measured on .NET 10: about 150 bytes per call whose body completes synchronously, about 540 bytes more than the body
/// itself when it awaits I/O; a store operation's driver call allocates several times that).</para>
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
    /// <param name="operation">The operation, for messages: <c>Get</c>, or its telemetry name <c>get</c>
    /// (<c>get_and_touch</c> reads as <c>GetAndTouch</c>).</param>
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
        var driver = DriverCancellation(deadline.Token);
        Task<TResult>? task = null;
        try
        {
            task = body(state, driver.Token);
            return await task.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw Failure(ex, task, operation, deadline, cancellationToken);
        }
        finally
        {
            ReleaseDriverCancellation(driver, deadline);
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
        var driver = DriverCancellation(deadline.Token);
        Task? task = null;
        try
        {
            task = body(state, driver.Token);
            await task.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw Failure(ex, task, operation, deadline, cancellationToken);
        }
        finally
        {
            ReleaseDriverCancellation(driver, deadline);
        }
    }

    /// <summary>
    /// Runs a listing with a deadline on each step, not on the whole: every <c>MoveNextAsync</c> of
    /// <paramref name="source"/> (a page fetch, or an item of a page already read) must answer within the timeout; the
    /// time the consumer spends between items does not count.
    /// </summary>
    /// <typeparam name="TState">What <paramref name="source"/> needs.</typeparam>
    /// <typeparam name="T">The item.</typeparam>
    /// <param name="operation">The operation, for messages (for example <c>List</c>).</param>
    /// <param name="state">Passed to <paramref name="source"/>.</param>
    /// <param name="source">The listing; give its token to every call that may wait.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The items of <paramref name="source"/>.</returns>
    public async IAsyncEnumerable<T> ListAsync<TState, T>(
        string operation, TState state, Func<TState, CancellationToken, IAsyncEnumerable<T>> source,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        cancellationToken.ThrowIfCancellationRequested();
        using var deadline = Start(operation, cancellationToken);
        var enumerator = source(state, deadline.Token).GetAsyncEnumerator(deadline.Token);
        var abandoned = false;
        try
        {
            while (true)
            {
                deadline.Restart();
                var next = enumerator.MoveNextAsync();
                bool more;
                try
                {
                    more = next.IsCompletedSuccessfully ? next.Result : await deadline.WaitAsync(next.AsTask()).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    abandoned = !next.IsCompleted;
                    throw deadline.ToThrow(ex);
                }

                if (!more)
                {
                    yield break;
                }

                deadline.Suspend();
                yield return enumerator.Current;
            }
        }
        finally
        {
            // An enumerator whose MoveNextAsync is still running must not be disposed under it (undefined for iterators):
            // it is left to end by itself, observed by the deadline.
            if (!abandoned)
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Starts a deadline for an operation made of steps (pages, batches) that the caller drives itself: call
    /// <see cref="SessionStoreDeadline.Restart"/> as each step begins, give <see cref="SessionStoreDeadline.Token"/> to
    /// every call that may wait (or wait through <see cref="SessionStoreDeadline.WaitAsync{T}"/>), and map failures with
    /// <see cref="SessionStoreDeadline.ToThrow"/>.
    /// </summary>
    /// <param name="operation">The operation, for messages.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The deadline, already running; dispose it when the operation ends.</returns>
    public SessionStoreDeadline Start(string operation, CancellationToken cancellationToken) => new(this, operation, StartDeadline(cancellationToken), cancellationToken);

    /// <summary>The exception a timed-out operation throws.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="innerException">What the operation threw at the deadline, if anything.</param>
    /// <returns>A transient <see cref="SessionStoreException"/> wrapping a <see cref="TimeoutException"/>.</returns>
    public SessionStoreException TimeoutError(string operation, Exception? innerException)
    {
        var seconds = OperationTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var message = $"{Backend} session store: {DisplayName(operation)} did not answer within {TimeoutSetting} ({seconds} s).";
        return new SessionStoreException(message, new TimeoutException(message, innerException), isTransient: true);
    }

    // Telemetry names (get_and_touch) read as the method names (GetAndTouch) in messages.
    private static string DisplayName(string operation)
    {
        var words = operation.Split('_', StringSplitOptions.RemoveEmptyEntries);
        return words.Length == 0 ? operation : string.Concat(Array.ConvertAll(words, w => char.ToUpperInvariant(w[0]) + w[1..]));
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
        deadline.UnsafeRegister(static state => DriverCancellations.Enqueue((CancellationTokenSource)state!), driver);
        return driver;
    }

    /// <summary>Disposes the driver's source, unless its cancellation is already queued (the deadline passed or the
    /// caller cancelled): that cancellation must still reach an abandoned driver call, and the source goes with it.</summary>
    internal static void ReleaseDriverCancellation(CancellationTokenSource driver, CancellationTokenSource deadline)
    {
        if (!deadline.IsCancellationRequested)
        {
            driver.Dispose();
        }
    }

    private CancellationTokenSource StartDeadline(CancellationToken cancellationToken)
    {
        var deadline = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)
            : new CancellationTokenSource();
        deadline.CancelAfter(OperationTimeout);
        return deadline;
    }

    internal Exception Failure(Exception exception, Task? task, string operation, CancellationTokenSource deadline, CancellationToken cancellationToken)
    {
        if (task is { IsCompleted: false })
        {
            Abandon(task);
        }

        if (cancellationToken.IsCancellationRequested && exception is not SessionStoreException)
        {
            // The caller's cancellation stays a cancellation, carrying the caller's token (as SessionStoreErrors.ToThrow).
            return exception is OperationCanceledException oce && oce.CancellationToken == cancellationToken
                ? exception
                : new OperationCanceledException("The session store operation was canceled.", exception, cancellationToken);
        }

        // Past the deadline, whatever the driver reported about it (a cancellation, a timeout, a transient failure) is the
        // timeout; an answer the store decided on (corrupt data, a permanent error, bad input) is not.
        if (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested
            && exception is OperationCanceledException or TimeoutException or SessionStoreException { IsTransient: true })
        {
            // The runner's own wait-cancellation says nothing about the driver: leave it out.
            return TimeoutError(operation, exception is OperationCanceledException && task is { IsCompleted: false } ? null : exception);
        }

        ExceptionDispatchInfo.Throw(exception);
        return exception;
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
