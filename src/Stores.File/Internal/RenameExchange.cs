using System;
using System.IO;
using System.Runtime.InteropServices;

namespace SessionStores.File.Internal;

/// <summary>
/// Swaps two names atomically (<c>renameat2</c> with <c>RENAME_EXCHANGE</c>, Linux 3.15 and later, glibc 2.28 and
/// later): each path then names the other's file. A replace that exchanges keeps the replaced file (its inode) under
/// the other name, so it can be reused instead of freed, which is what <see cref="SparePool"/> is for.
/// </summary>
/// <remarks>
/// Some file systems do not implement the exchange (they report <c>EINVAL</c>; an old kernel or C library reports
/// <c>ENOSYS</c>); <see cref="Outcome.Unsupported"/> tells the caller to rename as before.
/// </remarks>
internal static partial class RenameExchange
{
    private const int AtFdCwd = -100;
    private const uint Exchange = 2;
    private const int ENoEnt = 2;
    private const int EIntr = 4;
    private const int EXDev = 18;
    private const int EInval = 22;
    private const int ENoSys = 38;
    private const int EOpNotSupp = 95;

    public enum Outcome
    {
        /// <summary>The two names were swapped.</summary>
        Exchanged,

        /// <summary>One of the two names does not exist (<c>ENOENT</c>): nothing changed.</summary>
        Missing,

        /// <summary>The exchange is not supported here: nothing changed.</summary>
        Unsupported,
    }

    /// <summary>Whether the exchange may be supported on this platform (64-bit Linux); <see cref="Swap"/> can still
    /// report <see cref="Outcome.Unsupported"/> for a given file system.</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>Swaps <paramref name="first"/> and <paramref name="second"/>.</summary>
    /// <exception cref="IOException">The exchange failed for another reason.</exception>
    public static Outcome Swap(string first, string second)
    {
        if (!IsSupported)
        {
            return Outcome.Unsupported;
        }

        int result;
        int errno;
        do
        {
            result = RenameAt2(AtFdCwd, first, AtFdCwd, second, Exchange);
            errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        while (result < 0 && errno == EIntr);

        return result == 0 ? Outcome.Exchanged : errno switch
        {
            ENoEnt => Outcome.Missing,
            EInval or ENoSys or EOpNotSupp or EXDev => Outcome.Unsupported,
            _ => throw new IOException(
                $"Replacing the file '{SessionValidation.EscapeControlCharacters(second)}' failed (renameat2: {Marshal.GetPInvokeErrorMessage(errno)}).", errno),
        };
    }

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);
}
