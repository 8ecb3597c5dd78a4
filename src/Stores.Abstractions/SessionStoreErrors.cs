using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace SessionStores;

/// <summary>
/// The one shape of a store's failure messages: <c>{backend} session store: {Operation} failed: {driver message}</c>
/// (control characters escaped). <see cref="SessionStoreOperationRunner"/> uses it for every backend failure; a store
/// uses it directly only for work outside the runner (a background pass).
/// </summary>
public static class SessionStoreErrors
{
    /// <summary>Wraps a backend failure of <paramref name="operation"/> as the contract's exception.</summary>
    /// <param name="backend">The store's backend: its name, and whether the failure is transient.</param>
    /// <param name="operation">The operation (a <see cref="SessionStoreOperationNames"/> constant).</param>
    /// <param name="exception">The backend failure (see <see cref="SessionStoreBackend.IsFailure"/>).</param>
    /// <returns>A <see cref="SessionStoreException"/> carrying <see cref="SessionStoreBackend.Redact"/> of
    /// <paramref name="exception"/>, transient as <see cref="SessionStoreBackend.IsTransient"/> says.</returns>
    public static SessionStoreException Wrap(SessionStoreBackend backend, string operation, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(exception);
        return Create(backend.DisplayName, operation, backend.Redact(exception), backend.IsTransient(exception));
    }

    internal static SessionStoreException Create(string backend, string operation, Exception exception, bool isTransient) =>
        new(Message(backend, operation, $"failed: {SessionValidation.EscapeControlCharacters(exception.Message)}"), exception, isTransient);

    internal static string Message(string backend, string operation, string what) =>
        $"{backend} session store: {SessionStoreOperationNames.Display(operation)} {what}";

    /// <summary>
    /// Chooses what a failed operation throws (the rule <see cref="SessionStoreOperationRunner"/> now applies itself; kept
    /// until every store runs through it): a <see cref="SessionStoreException"/> is rethrown unchanged; when the caller's
    /// <paramref name="cancellationToken"/> was cancelled, an <see cref="OperationCanceledException"/>; anything else is
    /// given to <paramref name="wrap"/>.
    /// </summary>
    /// <typeparam name="TState">What <paramref name="wrap"/> needs besides the exception.</typeparam>
    /// <param name="exception">What the operation threw.</param>
    /// <param name="cancellationToken">The caller's token of the operation.</param>
    /// <param name="state">Passed to <paramref name="wrap"/>.</param>
    /// <param name="wrap">Turns a backend failure into the store's <see cref="SessionStoreException"/>.</param>
    /// <returns>The exception to throw.</returns>
    public static Exception ToThrow<TState>(Exception exception, CancellationToken cancellationToken, TState state, Func<TState, Exception, SessionStoreException> wrap)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(wrap);
        if (exception is SessionStoreException || (exception is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            ExceptionDispatchInfo.Throw(exception);
        }

        return cancellationToken.IsCancellationRequested
            ? new OperationCanceledException("The session store operation was canceled.", exception, cancellationToken)
            : wrap(state, exception);
    }
}
