using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using SessionStores.File.Internal;
using IOFile = System.IO.File;

namespace SessionStores.File;

// Replacing a session file: a new file, or a spare one reused (see SparePool), renamed over the old one.
public sealed partial class FileSessionStore
{
    private readonly SparePool _spares;

    /// <summary>
    /// Replaces a session file atomically: write the new content to a file in <c>tmp/</c>, stamp its modification
    /// time with the expiry (the pruning pass's hint), flush it, put it in place of the old one with a single rename,
    /// and flush the directory that now names it. Where it can (see <see cref="SparePool"/>), the file written is a
    /// spare that held an earlier replaced session, and the rename exchanges it with the old session file, which
    /// becomes the next spare.
    /// </summary>
    private async Task ReplaceAsync(string fileName, ReadOnlyMemory<byte> record, long expiresAtMs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var target = Path.Combine(_sessionsDirectory, fileName);
        if (_spares.IsEnabled && await TryReplaceReusingAsync(target, record, expiresAtMs).ConfigureAwait(false))
        {
            return;
        }

        // The creation time in the name lets a pruning pass recognise files orphaned by a crashed writer.
        var temp = Path.Combine(_tempDirectory, $"{NowMs()}-{Guid.NewGuid():N}{SessionFileNames.TempSuffix}");
        var renamed = false;
        try
        {
            using (var handle = IOFile.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                WriteContent(handle, record.Span, expiresAtMs, truncate: false);
            }

            // The rename is durable only once its directory is; tmp/ is not flushed (a temporary file that comes back
            // after a power cut is an orphan a pruning pass deletes). The directory is opened first, so only the flush
            // itself (an I/O error) can fail once the new file is visible.
            using var directory = OpenForFlush(_sessionsDirectory);
            IOFile.Move(temp, target, overwrite: true);
            renamed = true;
            await FlushSessionsAsync(directory).ConfigureAwait(false);
        }
        finally
        {
            if (!renamed)
            {
                TryDeleteFile(temp);
            }
        }
    }

    /// <summary>
    /// <see cref="ReplaceAsync"/> through a spare: returns <see langword="false"/>, having changed nothing visible, when the
    /// write must be done with a new file instead (the spare was deleted under us, a reader still has it open, or it
    /// cannot be opened).
    /// </summary>
    /// <remarks>
    /// A spare was a session file, so a reader that opened it then may still be reading it: readers hold a shared lock
    /// (.NET takes <c>flock(LOCK_SH)</c> for any open without <see cref="FileShare.None"/>), and the spare is opened with
    /// <see cref="FileShare.None"/>, which fails while one does; a reader that opened it but had not locked it yet
    /// finds it locked and opens the session file again (see <see cref="Read"/>). The handle is closed before the
    /// exchange, so no reader ever finds the new session file locked.
    /// </remarks>
    private async Task<bool> TryReplaceReusingAsync(string target, ReadOnlyMemory<byte> record, long expiresAtMs)
    {
        var spare = _spares.TryTake();
        var reused = spare is not null;
        spare ??= _spares.NewName();
        var keep = false;
        try
        {
            SafeFileHandle handle;
            try
            {
                handle = IOFile.OpenHandle(spare, reused ? FileMode.Open : FileMode.CreateNew, FileAccess.Write, FileShare.None);
            }
            catch (Exception ex) when (reused && FileBackend.Instance.IsFailure(ex))
            {
                // Deleted under us, held by a reader (a lock conflict), or otherwise unusable: dropped (finally), and
                // the write creates a new file, which surfaces any failure that is not the spare's own.
                return false;
            }

            using (handle)
            {
                WriteContent(handle, record.Span, expiresAtMs, truncate: reused);
            }

            using var directory = OpenForFlush(_sessionsDirectory);
            var outcome = RenameExchange.Swap(spare, target);
            if (outcome == RenameExchange.Outcome.Unsupported)
            {
                _spares.Disable();
            }

            if (outcome != RenameExchange.Outcome.Exchanged)
            {
                // No session file yet (a new session), or no exchange on this file system: a plain rename. When the
                // spare itself is missing (deleted under us), the rename fails and nothing changed.
                try
                {
                    IOFile.Move(spare, target, overwrite: true);
                }
                catch (FileNotFoundException)
                {
                    return false;
                }

                keep = true;
                await FlushSessionsAsync(directory).ConfigureAwait(false);
                return true;
            }

            // The spare is reused only once the exchange is durable, so a power cut cannot bring back a session
            // file that names it.
            await FlushSessionsAsync(directory).ConfigureAwait(false);
            keep = _spares.TryReturn(spare);
            return true;
        }
        finally
        {
            if (!keep)
            {
                TryDeleteFile(spare);
            }
        }
    }

    /// <summary>Writes a whole session file from offset 0 (cutting what a reused file held beyond it), stamps it, and
    /// flushes it (or, without <see cref="FileSessionStoreOptions.FlushToDisk"/>, starts writing it back).</summary>
    private void WriteContent(SafeFileHandle handle, ReadOnlySpan<byte> record, long expiresAtMs, bool truncate)
    {
        RandomAccess.Write(handle, record, 0);
        if (truncate)
        {
            RandomAccess.SetLength(handle, record.Length);
        }

        // Stamped before the flush, so that the flush makes the stamp durable with the bytes.
        IOFile.SetLastWriteTimeUtc(handle, ExpiryStamps.FromMs(expiresAtMs));
        if (_flushToDisk)
        {
            RandomAccess.FlushToDisk(handle);
        }
        else
        {
            // Out of the rename's locks, where ext4 would otherwise write the file back (see WritebackStart).
            WritebackStart.Start(handle);
        }
    }

    /// <summary>Deletes the spares and the owner lock file; the store is disposed, so writes still under way delete
    /// the spares they hold (see <see cref="SparePool.TryReturn"/>).</summary>
    private void DeleteSpares()
    {
        foreach (var spare in _spares.Drain())
        {
            TryDeleteFile(spare);
        }

        if (_spares.OwnerLockFile is { } ownerLock)
        {
            TryDeleteFile(ownerLock);
        }

        _spares.Dispose();
    }
}
