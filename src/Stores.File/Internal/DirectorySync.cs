using System;
using System.IO;
using System.Runtime.InteropServices;

namespace SessionStores.File.Internal;

/// <summary>
/// Flushes a directory to disk (<c>fsync</c> on the directory itself), so that a rename into it or a delete from it
/// survives a power loss. Flushing a file makes its bytes durable, not its name: until the directory is flushed, a
/// rename that replaced a session or a delete that destroyed one can be undone by a power cut.
/// </summary>
/// <remarks>
/// .NET cannot open a directory (<see cref="System.IO.File.OpenHandle"/> refuses), so this calls libc: <c>open</c>
/// with <c>O_RDONLY | O_DIRECTORY | O_CLOEXEC</c>, <c>fsync</c>, <c>close</c>. It runs on Linux, macOS and FreeBSD. On
/// Windows it does nothing: there is no supported way to flush a directory from .NET, and NTFS journals the change
/// (though it commits its log lazily). On macOS, <c>fsync</c> hands the change to the drive but does not force the
/// drive's own cache (which only <c>F_FULLFSYNC</c> does).
/// </remarks>
internal static partial class DirectorySync
{
    private const string LibC = "libc";
    private const int EIntr = 4;

    private static readonly int? OpenFlags = GetOpenFlags();

    /// <summary>Whether this platform flushes directories; when not, <see cref="Flush"/> does nothing.</summary>
    public static bool IsSupported => OpenFlags is not null;

    /// <summary>Flushes the entries of <paramref name="directory"/> to disk.</summary>
    /// <param name="directory">The full path of the directory.</param>
    /// <exception cref="IOException">The directory cannot be opened or flushed.</exception>
    public static void Flush(string directory)
    {
        using var opened = Open(directory);
        opened.Flush();
    }

    /// <summary>
    /// Opens <paramref name="directory"/> for a later <see cref="Handle.Flush"/>. Opening before a rename or delete and
    /// flushing after it means that running out of descriptors fails the operation before it changes anything, never
    /// after (when the change would already be visible but reported as failed).
    /// </summary>
    /// <param name="directory">The full path of the directory.</param>
    /// <exception cref="IOException">The directory cannot be opened.</exception>
    public static Handle Open(string directory)
    {
        if (OpenFlags is not { } flags)
        {
            return default;
        }

        int fd;
        int errno;
        do
        {
            fd = OpenDescriptor(directory, flags);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        while (fd < 0 && errno == EIntr);

        return fd < 0 ? throw Failure("open", directory, errno) : new Handle(fd + 1, directory);
    }

    /// <summary>An open directory (or nothing, where directories are not flushed); disposing closes it.</summary>
    internal readonly struct Handle : IDisposable
    {
        // The descriptor plus one, so that default (0) is the no-op handle.
        private readonly int _fdPlusOne;
        private readonly string? _directory;

        internal Handle(int fdPlusOne, string directory)
        {
            _fdPlusOne = fdPlusOne;
            _directory = directory;
        }

        /// <summary>Flushes the directory's entries to disk.</summary>
        /// <exception cref="IOException">The flush failed.</exception>
        public void Flush()
        {
            if (_fdPlusOne == 0)
            {
                return;
            }

            int result;
            int errno;
            do
            {
                result = FSync(_fdPlusOne - 1);
                errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
            }
            while (result < 0 && errno == EIntr);

            if (result < 0)
            {
                throw Failure("fsync", _directory!, errno);
            }
        }

        public void Dispose()
        {
            if (_fdPlusOne != 0)
            {
                // Never retried: on Linux the descriptor is gone even when close reports EINTR.
                _ = Close(_fdPlusOne - 1);
            }
        }
    }

    private static IOException Failure(string call, string directory, int errno) =>
        new($"Flushing the directory '{SessionValidation.EscapeControlCharacters(directory)}' to disk failed ({call}: {Marshal.GetPInvokeErrorMessage(errno)}).", errno);

    // open(2) flag values are per platform (and, on Linux, O_DIRECTORY per architecture); O_RDONLY is 0 everywhere.
    private static int? GetOpenFlags()
    {
        if (OperatingSystem.IsLinux())
        {
            const int closeOnExec = 0x80000;
            int? directory = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 or Architecture.X86 or Architecture.S390x or Architecture.RiscV64 or Architecture.LoongArch64 => 0x10000,
                Architecture.Arm64 or Architecture.Arm or Architecture.Armv6 or Architecture.Ppc64le => 0x4000,
                _ => null,
            };

            // An architecture not listed opens without O_DIRECTORY: the path is the store's own directory anyway.
            return closeOnExec | (directory ?? 0);
        }

        if (OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst())
        {
            return 0x100000 | 0x1000000;
        }

        return OperatingSystem.IsFreeBSD() ? 0x20000 | 0x100000 : null;
    }

    [LibraryImport(LibC, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenDescriptor(string path, int flags);

    [LibraryImport(LibC, EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport(LibC, EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
