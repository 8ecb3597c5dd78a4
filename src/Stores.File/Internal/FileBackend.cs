using System;
using System.IO;
using System.Text.RegularExpressions;

namespace SessionStores.File.Internal;

/// <summary>
/// The file system as <see cref="SessionStoreOperationRunner"/> sees it: I/O and access errors are its failures, and an
/// <see cref="IOException"/> may pass by retrying (a lock held elsewhere, a full disk freed), an access error not.
/// </summary>
/// <remarks>
/// A session file is named after its id (<see cref="SessionFileNames"/>), and .NET puts the path into most I/O error
/// messages, so an unredacted error would carry a bearer secret into every log that records it. <see cref="Redact(Exception)"/>
/// names the file by its <see cref="SessionValidation.Tag"/> instead, keeping the original stack trace; control
/// characters in the rest of the message are escaped.
/// </remarks>
internal sealed partial class FileBackend : SessionStoreBackend
{
    private FileBackend()
        : base("File", "file")
    {
    }

    /// <summary>The one instance: the backend has no state.</summary>
    public static FileBackend Instance { get; } = new();

    /// <inheritdoc />
    public override bool IsFailure(Exception exception) => exception is IOException or UnauthorizedAccessException;

    /// <inheritdoc />
    public override bool IsTransient(Exception exception) => exception is IOException;

    /// <summary>
    /// The error itself when it is not an I/O error or its message names no session file, else a copy of the same kind
    /// without the id.
    /// </summary>
    /// <param name="exception">The error.</param>
    /// <returns>The error to show.</returns>
    public override Exception Redact(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (!IsFailure(exception))
        {
            return exception;
        }

        var message = Redact(exception.Message);
        if (ReferenceEquals(message, exception.Message))
        {
            return exception;
        }

        return WithMessage(exception, message);
    }

    /// <summary>Text with every escaped-id file name replaced by the tag of its id, and control characters escaped.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The text itself when nothing needed replacing.</returns>
    public static string Redact(string text)
    {
        var redacted = SessionFileName().Replace(text, match => "[session " + SessionValidation.Tag(SessionFileNames.TryGetId(match.Value) ?? match.Value) + "]");
        var escaped = SessionValidation.EscapeControlCharacters(redacted);
        return string.Equals(escaped, text, StringComparison.Ordinal) ? text : escaped;
    }

    // The escaped form of SessionFileNames: "s_", id characters or "+" escapes, ".session". Hashed names (h_) reveal nothing.
    [GeneratedRegex(@"s_[A-Za-z0-9._~+\-]+?\.session", RegexOptions.CultureInvariant)]
    private static partial Regex SessionFileName();
}
