using System;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SessionStores.File.Internal;

/// <summary>
/// Starts writing a new file's bytes to the disk without waiting for them (<c>sync_file_range</c> with
/// <c>SYNC_FILE_RANGE_WRITE</c>, Linux only), for writes that are not flushed (<see cref="FileSessionStoreOptions.FlushToDisk"/> off).
/// </summary>
/// <remarks>
/// ext4 (<c>auto_da_alloc</c>, on by default) writes back a file that is renamed over an existing one inside
/// <c>rename</c> itself, while it holds the rename's locks (the two directories' and, from <c>tmp/</c> to
/// <c>sessions/</c>, the file system's rename lock). Profiled under load without flushes, that made <c>rename</c> the
/// most expensive call of a write (about 200 µs, sequential) and serialised every concurrent writer behind it, whose
/// waits on those locks cost more CPU than the flushes they replaced. Starting the write-back here, before the
/// rename and outside its locks, does the same I/O (so a power loss finds the same file states as before) and
/// leaves the rename only its directory update. It is a hint: a failure changes nothing the write promises (an I/O
/// error surfaces, as without it, only to a flush), so it is ignored.
/// </remarks>
internal static partial class WritebackStart
{
    private const uint SyncFileRangeWrite = 2;

    // Only where glibc's sync_file_range takes 64-bit offsets in registers, as declared below (32-bit ARM has another
    // argument order).
    private static readonly bool IsSupported = OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>Starts the write-back of the whole file behind <paramref name="handle"/>; returns at once.</summary>
    public static void Start(SafeFileHandle handle)
    {
        if (IsSupported)
        {
            _ = SyncFileRange(handle, 0, 0, SyncFileRangeWrite);
        }
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(SafeFileHandle fd, long offset, long count, uint flags);
}
