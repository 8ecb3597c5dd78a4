using System;
using System.IO;

namespace SessionStores.ExpressCompat.Internal;

/// <summary>A file system error is a backend failure; none is worth retrying blindly except a sharing conflict.</summary>
internal sealed class ExpressFileBackend() : SessionStoreBackend("session files (session-file-store format)", "file")
{
    public override bool IsFailure(Exception exception) => exception is IOException or UnauthorizedAccessException;

    public override bool IsTransient(Exception exception) => exception is IOException and not FileNotFoundException and not DirectoryNotFoundException;
}
