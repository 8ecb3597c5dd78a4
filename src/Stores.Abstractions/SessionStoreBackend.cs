using System;
using System.IO;
using System.Runtime.ExceptionServices;

namespace SessionStores;

/// <summary>
/// What a store's operation runner needs to know of its backend: its names, and which of its driver's exceptions are
/// backend failures (wrapped in <see cref="SessionStoreException"/>) and which of those may pass by retrying. Each store
/// has one, in <c>Internal/{Name}Backend.cs</c>; see <see cref="SessionStoreOperationRunner"/>.
/// </summary>
/// <remarks>
/// The runner decides everything else the same way for every store: the caller's cancellation stays an
/// <see cref="OperationCanceledException"/>, a deadline passed is a transient timeout, a cancellation or timeout the
/// caller did not ask for (a driver's own timeout) is a transient failure, a <see cref="SessionStoreException"/> (such as
/// <see cref="SessionDataCorruptedException"/>) passes unchanged, and an exception this class does not claim (a bug, an
/// argument error) is rethrown as it is.
/// </remarks>
public abstract class SessionStoreBackend
{
    /// <summary>Creates the description.</summary>
    /// <param name="displayName">The backend as users know it, for messages (for example <c>PostgreSQL</c>).</param>
    /// <param name="systemName">The backend as telemetry names it, <c>db.system.name</c> of the OpenTelemetry database
    /// conventions (for example <c>postgresql</c>).</param>
    protected SessionStoreBackend(string displayName, string systemName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(displayName);
        ArgumentException.ThrowIfNullOrWhiteSpace(systemName);
        DisplayName = displayName;
        SystemName = systemName;
    }

    /// <summary>The backend as users know it, for messages (for example <c>PostgreSQL</c>).</summary>
    public string DisplayName { get; }

    /// <summary>The backend as telemetry names it (<c>db.system.name</c>, for example <c>postgresql</c>).</summary>
    public string SystemName { get; }

    /// <summary>Whether <paramref name="exception"/> is the backend's failure (the driver's, the network's, the server's,
    /// the file system's), to be wrapped; <see langword="false"/> for anything else, which is rethrown unchanged.</summary>
    /// <param name="exception">What an operation threw; never a <see cref="SessionStoreException"/> or a cancellation.</param>
    /// <returns>Whether to wrap it.</returns>
    public abstract bool IsFailure(Exception exception);

    /// <summary>Whether the backend failure <paramref name="exception"/> may pass by retrying (connection loss,
    /// timeouts, failovers, busy replies), as <see cref="SessionStoreException.IsTransient"/> reports it.</summary>
    /// <param name="exception">A backend failure (see <see cref="IsFailure"/>).</param>
    /// <returns>Whether it is transient.</returns>
    public abstract bool IsTransient(Exception exception);

    /// <summary>The exception the wrapper carries and quotes, in place of <paramref name="exception"/>: a store whose
    /// driver messages may hold session ids (file paths) returns a copy without them. Default: the exception itself.</summary>
    /// <param name="exception">A backend failure.</param>
    /// <returns>The exception to wrap.</returns>
    public virtual Exception Redact(Exception exception) => exception;

    /// <summary>For <see cref="Redact"/>: a file system error of the same kind as <paramref name="exception"/> (so that
    /// whoever reads it still tells a missing file from a denied access or a full disk) with <paramref name="message"/>
    /// instead of its own, carrying its stack trace.</summary>
    /// <param name="exception">A <see cref="FileNotFoundException"/>, <see cref="DirectoryNotFoundException"/>,
    /// <see cref="PathTooLongException"/>, any other <see cref="IOException"/> (which keeps its <c>HResult</c>), or an
    /// <see cref="UnauthorizedAccessException"/>.</param>
    /// <param name="message">The message of the copy.</param>
    /// <returns>The copy, whose stack trace is that of <paramref name="exception"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="exception"/> is of another kind.</exception>
    protected static Exception WithMessage(Exception exception, string message)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(message);
        Exception copy = exception switch
        {
            FileNotFoundException => new FileNotFoundException(message),
            DirectoryNotFoundException => new DirectoryNotFoundException(message),
            PathTooLongException => new PathTooLongException(message),
            IOException => new IOException(message, exception.HResult),
            UnauthorizedAccessException => new UnauthorizedAccessException(message),
            _ => throw new ArgumentException($"Only file system errors are copied with a new message, not {exception.GetType()}.", nameof(exception)),
        };
        return ExceptionDispatchInfo.SetRemoteStackTrace(copy, exception.StackTrace ?? string.Empty);
    }
}
