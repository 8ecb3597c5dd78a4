using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using IOFile = System.IO.File;

namespace SessionStores.File.Internal;

/// <summary>
/// Serialises the writers of one session across threads and processes. A session's lock is one of
/// <see cref="SessionFileNames.LockStripes"/> lock files (<c>locks/xx.lock</c>), held open with
/// <see cref="FileShare.None"/>: .NET turns that into <c>flock(LOCK_EX)</c> on Unix and a sharing lock on Windows, so
/// the operating system releases it when the holder exits or crashes. Lock files are never deleted, because deleting a
/// lock file while another process waits on it would let two writers hold "the" lock on two different files.
/// </summary>
/// <remarks>
/// Threads of this process first queue on a <see cref="SemaphoreSlim"/> per stripe (no polling, fair enough); only a
/// lock held by another process is polled, with a short backoff. The wait uses real time, not the store's
/// <see cref="TimeProvider"/>: a fake clock would never let it end.
/// The semaphores are never disposed: they allocate no wait handle, and an operation that holds or awaits one when the
/// store is disposed must still release it without an <see cref="ObjectDisposedException"/> (which would report a
/// write that was stored as failed).
/// </remarks>
internal sealed class SessionLocks
{
    private const int EWouldBlockLinux = 11;
    private const int EWouldBlockBsd = 35;
    private const int WindowsSharingViolation = 32;
    private const int WindowsLockViolation = 33;

    private readonly SemaphoreSlim[] _local = new SemaphoreSlim[SessionFileNames.LockStripes];
    private readonly string _directory;
    private readonly TimeSpan _timeout;

    public SessionLocks(string directory, TimeSpan timeout)
    {
        _directory = directory;
        _timeout = timeout;
        for (var i = 0; i < _local.Length; i++)
        {
            _local[i] = new SemaphoreSlim(1, 1);
        }
    }

    /// <summary>
    /// Checks that a second exclusive open of a file fails, as it must for the locks to work. It does not when
    /// <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c> is set, or on a file system that ignores locks.
    /// </summary>
    public void VerifyLocking()
    {
        var probe = Path.Combine(_directory, $"probe-{Guid.NewGuid():N}.tmp");
        try
        {
            using var first = IOFile.OpenHandle(probe, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
            try
            {
                using var second = IOFile.OpenHandle(probe, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex) when (IsLockConflict(ex))
            {
                return;
            }
        }
        finally
        {
            IOFile.Delete(probe);
        }

        throw new InvalidOperationException(
            $"The file session store needs exclusive file locks to make compare-and-set safe across processes, but the file system under '{SessionValidation.EscapeControlCharacters(_directory)}' " +
            "does not enforce them (is DOTNET_SYSTEM_IO_DISABLEFILELOCKING set, or is FileSessionStoreOptions.Directory on a network share without locking?).");
    }

    /// <summary>Takes the lock of a session file, waiting at most the configured timeout.</summary>
    public async ValueTask<Lease> AcquireAsync(string fileName, CancellationToken cancellationToken)
    {
        var stripe = SessionFileNames.LockStripe(fileName);
        var started = Stopwatch.GetTimestamp();
        var local = _local[stripe];
        if (!await local.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false))
        {
            throw Timeout(null);
        }

        try
        {
            var path = Path.Combine(_directory, $"{stripe:x2}.lock");
            var delayMs = 1;
            while (true)
            {
                try
                {
                    return new Lease(local, IOFile.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                }
                catch (IOException ex) when (IsLockConflict(ex))
                {
                    // Held by another process: poll. The holder keeps it for one small write, so waits are short.
                    if (Stopwatch.GetElapsedTime(started) >= _timeout)
                    {
                        throw Timeout(ex);
                    }

                    await Task.Delay(delayMs, cancellationToken).ConfigureAwait(false);
                    delayMs = Math.Min(delayMs * 2, 20);
                }
            }
        }
        catch
        {
            local.Release();
            throw;
        }
    }

    public static bool IsLockConflict(IOException ex) =>
        ex is not FileNotFoundException and not DirectoryNotFoundException &&
        (OperatingSystem.IsWindows()
            ? (ex.HResult & 0xFFFF) is WindowsSharingViolation or WindowsLockViolation
            : ex.HResult is EWouldBlockLinux or EWouldBlockBsd);

    // A timeout the caller did not ask for: the operation runner reports it as a transient failure of the operation.
    private TimeoutException Timeout(Exception? inner) =>
        new($"Timed out after {_timeout.TotalSeconds:0.###} s waiting for a session's lock file in '{SessionValidation.EscapeControlCharacters(_directory)}' (FileSessionStoreOptions.LockTimeout); another writer holds it.", inner);

    /// <summary>A held lock; disposing releases it.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly SemaphoreSlim _local;
        private readonly SafeFileHandle _file;

        public Lease(SemaphoreSlim local, SafeFileHandle file)
        {
            _local = local;
            _file = file;
        }

        public void Dispose()
        {
            _file.Dispose();
            _local.Release();
        }
    }
}
