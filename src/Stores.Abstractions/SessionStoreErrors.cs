using System;

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

    /// <summary>The message of a failure that needs more words than the driver's message (a write that half
    /// succeeded, say): <c>{backend} session store: {Operation} failed: {detail}</c>.</summary>
    /// <param name="backend">The store's backend.</param>
    /// <param name="operation">The operation (a <see cref="SessionStoreOperationNames"/> constant).</param>
    /// <param name="detail">What failed; control characters are escaped.</param>
    /// <returns>The message.</returns>
    public static string FailureMessage(SessionStoreBackend backend, string operation, string detail)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(detail);
        return Message(backend.DisplayName, operation, "failed: " + SessionValidation.EscapeControlCharacters(detail));
    }

    internal static SessionStoreException Create(string backend, string operation, Exception exception, bool isTransient) =>
        new(Message(backend, operation, $"failed: {SessionValidation.EscapeControlCharacters(exception.Message)}"), exception, isTransient);

    internal static string Message(string backend, string operation, string what) =>
        $"{backend} session store: {SessionStoreOperationNames.Display(operation)} {what}";
}
