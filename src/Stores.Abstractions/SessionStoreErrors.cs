using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace SessionStores;

/// <summary>
/// The contract's error rule for a store operation that failed, shared by the stores so that each one only decides how
/// its own driver's errors are worded and which are transient.
/// </summary>
public static class SessionStoreErrors
{
    /// <summary>
    /// Chooses what a failed operation throws: a <see cref="SessionStoreException"/> (including
    /// <see cref="SessionDataCorruptedException"/>) is rethrown unchanged; when the caller's
    /// <paramref name="cancellationToken"/> was cancelled, an <see cref="OperationCanceledException"/> is rethrown
    /// unchanged and any other exception (drivers often report a cancelled command as their own error) becomes an
    /// <see cref="OperationCanceledException"/> wrapping it; anything else is given to <paramref name="wrap"/>.
    /// </summary>
    /// <remarks>
    /// Call it in the operation's <c>catch</c> block as <c>throw SessionStoreErrors.ToThrow(ex, cancellationToken,
    /// operation, Wrap);</c>. The exceptions that pass unchanged are rethrown from here with their original stack trace,
    /// so this method returns only the wrapped ones. A cancellation the caller did not ask for (a driver timeout) is not
    /// the caller's: it goes to <paramref name="wrap"/>. Pass a static method (or a lambda that captures nothing) with
    /// its data in <paramref name="state"/>, so the operation does not allocate a closure on its successful path.
    /// </remarks>
    /// <typeparam name="TState">What <paramref name="wrap"/> needs besides the exception (for example the operation name).</typeparam>
    /// <param name="exception">What the operation threw.</param>
    /// <param name="cancellationToken">The caller's token of the operation.</param>
    /// <param name="state">Passed to <paramref name="wrap"/>.</param>
    /// <param name="wrap">Turns a backend failure into the store's <see cref="SessionStoreException"/>, deciding
    /// <see cref="SessionStoreException.IsTransient"/>.</param>
    /// <returns>The exception to throw: an <see cref="OperationCanceledException"/> or the result of <paramref name="wrap"/>.</returns>
    public static Exception ToThrow<TState>(
        Exception exception,
        CancellationToken cancellationToken,
        TState state,
        Func<TState, Exception, SessionStoreException> wrap)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(wrap);
        if (exception is SessionStoreException || (exception is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            ExceptionDispatchInfo.Throw(exception);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException("The session store operation was canceled.", exception, cancellationToken);
        }

        return wrap(state, exception);
    }
}
