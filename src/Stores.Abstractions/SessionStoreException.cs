using System;

namespace SessionStores;

/// <summary>
/// The one exception family of every store: a backend failure, wrapping the driver's own exception as
/// <see cref="Exception.InnerException"/>. Misuse (bad ids, TTLs, sizes) is reported with <see cref="ArgumentException"/>
/// instead, and caller cancellation with <see cref="OperationCanceledException"/>.
/// </summary>
public class SessionStoreException : Exception
{
    /// <summary>Creates an exception.</summary>
    public SessionStoreException()
    {
    }

    /// <summary>Creates an exception.</summary>
    /// <param name="message">What failed.</param>
    public SessionStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The driver's exception.</param>
    public SessionStoreException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The driver's exception.</param>
    /// <param name="isTransient">Whether retrying the same operation later may succeed.</param>
    public SessionStoreException(string message, Exception? innerException, bool isTransient)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    /// <summary>
    /// <see langword="true"/> when the failure is likely temporary (connection loss, timeout, failover, deadlock) and
    /// the same operation may succeed if retried; <see langword="false"/> for permanent errors (permissions, schema,
    /// corrupt data).
    /// </summary>
    public bool IsTransient { get; }
}
