using System;
using System.IO;
using System.Text.RegularExpressions;

namespace SessionStores.ExpressCompat.Internal;

/// <summary>A file system error is a backend failure; none is worth retrying blindly except a sharing conflict.</summary>
/// <remarks>A session file is named after its id (<c>&lt;id&gt;.json</c>), and .NET puts the path into most I/O error
/// messages: <see cref="Redact"/> names the file by the tag of its id instead (<see cref="SessionValidation.Tag"/>), so
/// the bearer secret never reaches a log.</remarks>
internal sealed partial class ExpressFileBackend() : SessionStoreBackend("session files (session-file-store format)", "file")
{
    public override bool IsFailure(Exception exception) => exception is IOException or UnauthorizedAccessException;

    public override bool IsTransient(Exception exception) => exception is IOException and not FileNotFoundException and not DirectoryNotFoundException;

    public override Exception Redact(Exception exception)
    {
        if (!IsFailure(exception) || !SessionFile().IsMatch(exception.Message))
        {
            return exception;
        }

        var message = SessionFile().Replace(exception.Message, m => "[session " + SessionValidation.Tag(m.Groups["name"].Value) + "]");

        // The same kind of error, so that whoever reads it tells a missing directory from a full disk as before.
        return WithMessage(exception, message);
    }

    // "<id>.json" after a path separator: id characters, or "+" and a hash for the longest ids.
    [GeneratedRegex(@"(?<=/)(?<name>[A-Za-z0-9._~+\-]+)\.json", RegexOptions.CultureInvariant)]
    private static partial Regex SessionFile();
}
