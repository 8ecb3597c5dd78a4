using System;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Text.RegularExpressions;

namespace SessionStores.File.Internal;

/// <summary>
/// I/O errors with the session ids taken out. A session file is named after its id (<see cref="SessionFileNames"/>),
/// and .NET puts the path into most I/O error messages, so an unredacted error would carry a bearer secret into every
/// log that records it. Redacted errors name the file by its <see cref="SessionValidation.Tag"/> instead and keep the
/// original stack trace; control characters in the rest of the message are escaped.
/// </summary>
internal static partial class SessionFileErrors
{
    /// <summary>
    /// The error itself when it is not an I/O error or its message names no session file, else a copy of the same kind
    /// without the id.
    /// </summary>
    public static Exception Redact(Exception ex)
    {
        if (ex is not (IOException or UnauthorizedAccessException))
        {
            return ex;
        }

        var message = Redact(ex.Message);
        if (ReferenceEquals(message, ex.Message))
        {
            return ex;
        }

        Exception redacted = ex switch
        {
            FileNotFoundException => new FileNotFoundException(message),
            DirectoryNotFoundException => new DirectoryNotFoundException(message),
            PathTooLongException => new PathTooLongException(message),
            UnauthorizedAccessException => new UnauthorizedAccessException(message),
            _ => new IOException(message, ex.HResult),
        };
        return ExceptionDispatchInfo.SetRemoteStackTrace(redacted, ex.StackTrace ?? string.Empty);
    }

    /// <summary>Text with every escaped-id file name replaced by the tag of its id, and control characters escaped.</summary>
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
