using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Enumeration;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using SessionStores.File.Internal;
using IOFile = System.IO.File;

namespace SessionStores.File;

// Reading, writing and deleting session files and subject markers.
public sealed partial class FileSessionStore
{
    private enum DeleteOutcome
    {
        Missing,
        Expired,
        Live,
        Corrupt,
        OtherSubject,
    }

    private enum StampOutcome
    {
        Stamped,
        Rewrite,
        Missing,
    }

    /// <summary>Reads a session file; <paramref name="expectedId"/> is checked against the id it holds.</summary>
    /// <remarks>
    /// Synchronous on purpose, as the writes in <see cref="ReplaceAsync"/> are (only a wait for a directory flush
    /// that another writer runs is awaited): a session file is a few hundred bytes in the page cache,
    /// and .NET's asynchronous file I/O on a handle opened without <see cref="FileOptions.Asynchronous"/> (on Unix, on
    /// any handle) only moves the same blocking call to a thread-pool thread, two context switches per call. Profiled,
    /// those hops cost more CPU than the reads.
    /// </remarks>
    private StoredFile Read(string fileName, string? expectedId, bool includeData, CancellationToken cancellationToken, bool throwIfCorrupt = true)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (OpenForRead(Path.Combine(_sessionsDirectory, fileName)) is not { } handle)
        {
            return default;
        }

        using (handle)
        {
            var length = RandomAccess.GetLength(handle);
            SessionHeader? header = null;
            string? error = null;
            var buffer = Array.Empty<byte>();
            if (includeData)
            {
                if (length > Array.MaxLength)
                {
                    error = $"the file is {length} bytes long, too long to be a session";
                }
                else
                {
                    buffer = new byte[length];
                    header = ReadExactly(handle, buffer)
                        ? FileCodec.TryRead(buffer, length, verifyData: true, out error)
                        : null;
                    error ??= header is null ? "the file is shorter than its length" : null;
                }
            }
            else
            {
                var rented = ArrayPool<byte>.Shared.Rent((int)Math.Min(length, FileCodec.MaxHeaderSize));
                try
                {
                    var headerBytes = rented.AsSpan(0, (int)Math.Min(length, FileCodec.MaxHeaderSize));
                    header = ReadExactly(handle, headerBytes)
                        ? FileCodec.TryRead(headerBytes, length, verifyData: false, out error)
                        : null;
                    error ??= header is null ? "the file is shorter than its length" : null;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }

            long contentExpiresAtMs = 0;
            if (header is { } h)
            {
                contentExpiresAtMs = h.ExpiresAtMs;
                if (_exactStamps)
                {
                    // A touch moves only the modification time (see TouchFileAsync), so the expiry is the later of the
                    // two; a stamp lowered by someone else (a copy that did not keep times) cannot shorten a session.
                    var stampMs = new DateTimeOffset(IOFile.GetLastWriteTimeUtc(handle)).ToUnixTimeMilliseconds();
                    header = h with { ExpiresAtMs = Math.Max(h.ExpiresAtMs, stampMs) };
                }

                if (expectedId is not null && !string.Equals(h.Id, expectedId, StringComparison.Ordinal))
                {
                    error = "the file holds a different session id";
                }
                else if (expectedId is null && !string.Equals(SessionFileNames.ForId(h.Id), fileName, StringComparison.Ordinal))
                {
                    error = "the file's name does not match the session id it holds";
                }
            }

            if (error is not null)
            {
                if (throwIfCorrupt)
                {
                    throw new SessionDataCorruptedException(expectedId ?? SessionFileNames.TryGetId(fileName) ?? header?.Id ?? fileName, error);
                }

                return new StoredFile(true, null, buffer, error, 0);
            }

            return new StoredFile(true, header, buffer, null, contentExpiresAtMs);
        }
    }

    /// <summary>Opens a session file for reading, or returns <see langword="null"/> when it does not exist.</summary>
    /// <remarks>
    /// The open takes a shared lock (.NET's <c>flock(LOCK_SH)</c>), held while the file is read, so that no writer
    /// reuses the file as a spare meanwhile (see <see cref="TryReplaceReusingAsync"/>). The lock is taken just after the
    /// open: when a writer has taken the file as a spare in between, the lock fails, and opening the name again
    /// finds the session file that replaced it. That race is narrow, so a few attempts suffice.
    /// </remarks>
    private static SafeFileHandle? OpenForRead(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // FileShare.Delete lets a writer rename over (or delete) the file while it is read, also on Windows.
                return IOFile.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                return null;
            }
            catch (IOException ex) when (attempt < 10 && SessionLocks.IsLockConflict(ex))
            {
            }
        }
    }

    private static bool ReadExactly(SafeFileHandle handle, Span<byte> buffer)
    {
        var offset = 0;
        while (offset < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer[offset..], offset);
            if (read == 0)
            {
                return false;
            }

            offset += read;
        }

        return true;
    }

    /// <summary>
    /// A sliding-expiry touch that rewrites nothing: it moves the file's modification time, which readers take as the
    /// expiry when it is later than the one written in the file (see <see cref="Read"/>). Called under the session's
    /// lock, so the file is the one just read. Not flushed, even with <see cref="FileSessionStoreOptions.FlushToDisk"/>:
    /// a touch lost to a power cut makes the session expire at its previous expiry, which loses no data and resurrects
    /// nothing, and a flush per read-only request would cost more than the rest of the request.
    /// </summary>
    /// <returns><see cref="StampOutcome.Rewrite"/> when the file must be rewritten instead: the file system keeps coarse
    /// times, the new expiry is earlier than the written one (a stamp can only extend it), or the file belongs to another
    /// user (only a file's owner may set its times; a rewrite makes the file ours). <see cref="StampOutcome.Missing"/>
    /// when the file is gone: deleted by hand since it was read (the lock only holds off this store's own writers), which
    /// makes the session absent, as a destroy just before the touch would have.</returns>
    private StampOutcome TryStamp(string fileName, long contentExpiresAtMs, long expiresAtMs)
    {
        if (!_exactStamps || expiresAtMs < contentExpiresAtMs)
        {
            return StampOutcome.Rewrite;
        }

        try
        {
            IOFile.SetLastWriteTimeUtc(Path.Combine(_sessionsDirectory, fileName), ExpiryStamps.FromMs(expiresAtMs));
            return StampOutcome.Stamped;
        }
        catch (UnauthorizedAccessException)
        {
            return StampOutcome.Rewrite;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return StampOutcome.Missing;
        }
    }

    /// <summary>Deletes a session file under its lock; with <paramref name="subject"/>, only if it belongs to it.</summary>
    private DeleteOutcome DeleteLocked(string fileName, string? expectedId, string? subject, CancellationToken cancellationToken)
    {
        var file = Read(fileName, expectedId, includeData: false, cancellationToken, throwIfCorrupt: false);
        if (!file.Exists)
        {
            return DeleteOutcome.Missing;
        }

        if (file.Header is not { } header)
        {
            // Deleting is how an application recovers from a corrupt session (see SessionDataCorruptedException).
            IOFile.Delete(Path.Combine(_sessionsDirectory, fileName));
            return DeleteOutcome.Corrupt;
        }

        if (subject is not null && !string.Equals(header.Subject, subject, StringComparison.Ordinal))
        {
            return DeleteOutcome.OtherSubject;
        }

        IOFile.Delete(Path.Combine(_sessionsDirectory, fileName));
        if (header.Subject is not null)
        {
            RemoveMarker(header.Subject, fileName);
        }

        return header.IsLive(NowMs()) ? DeleteOutcome.Live : DeleteOutcome.Expired;
    }

    /// <summary>With <see cref="FileSessionStoreOptions.FlushToDisk"/>, makes the renames and deletes done in
    /// <paramref name="directory"/> so far survive a power loss (see <see cref="DirectorySync"/>).</summary>
    private void FlushDirectory(string directory)
    {
        if (_flushToDisk)
        {
            DirectorySync.Flush(directory);
        }
    }

    /// <summary>With <see cref="FileSessionStoreOptions.FlushToDisk"/>, opens <paramref name="directory"/> for a flush
    /// after the change about to be made in it (see <see cref="DirectorySync.Open"/>); otherwise a handle that does
    /// nothing.</summary>
    private DirectorySync.Handle OpenForFlush(string directory) => _flushToDisk ? DirectorySync.Open(directory) : default;

    /// <summary>With <see cref="FileSessionStoreOptions.FlushToDisk"/>, makes the rename or delete just done in
    /// <c>sessions/</c> durable, sharing the flush with this process's concurrent writers (see <see cref="GroupFlush{THandle}"/>).</summary>
    private Task FlushSessionsAsync(in DirectorySync.Handle directory) =>
        _flushToDisk ? _sessionsFlush.FlushAfterChangeAsync(directory) : Task.CompletedTask;

    private string SubjectDirectory(string subject) => Path.Combine(_subjectsDirectory, SessionFileNames.ForSubject(subject));

    private void AddMarker(string subject, string fileName)
    {
        var directory = SubjectDirectory(subject);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.CreateDirectory(directory);
                IOFile.OpenHandle(Path.Combine(directory, fileName), FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete).Dispose();
                return;
            }
            catch (DirectoryNotFoundException) when (attempt < 5)
            {
                // Another writer removed the subject's directory as empty between our create and open; create it again.
            }
        }
    }

    /// <summary>Removes a marker and, when it was the last one, its subject directory. Never throws: a stale marker
    /// is harmless (readers verify every marker against the session file).</summary>
    private void RemoveMarker(string subject, string fileName)
    {
        var directory = SubjectDirectory(subject);
        TryDeleteFile(Path.Combine(directory, fileName));
        try
        {
            Directory.Delete(directory, recursive: false);
        }
        catch (Exception ex) when (FileBackend.Instance.IsFailure(ex))
        {
            // Not empty (the usual case) or already gone.
        }
    }

    private void TryDeleteFile(string path)
    {
        try
        {
            IOFile.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (Exception ex) when (FileBackend.Instance.IsFailure(ex))
        {
            Log.CleanupFailed(_logger, Path.GetFileName(Path.GetDirectoryName(path)) ?? string.Empty, FileBackend.Instance.Redact(ex));
        }
    }

    /// <summary>The names of the session files (or markers) in a directory, streamed: memory stays flat at any size.</summary>
    private static IEnumerable<string> EnumerateSessionFiles(string directory)
    {
        FileSystemEnumerable<string>? entries;
        try
        {
            entries = new(directory, static (ref FileSystemEntry entry) => entry.FileName.ToString(), new EnumerationOptions { AttributesToSkip = 0 })
            {
                ShouldIncludePredicate = static (ref FileSystemEntry entry) => !entry.IsDirectory && SessionFileNames.IsSessionFile(entry.FileName),
            };
        }
        catch (DirectoryNotFoundException)
        {
            // A subject's directory disappears with its last marker: that is an empty listing, not an error.
            entries = null;
        }

        if (entries is null)
        {
            yield break;
        }

        foreach (var name in entries)
        {
            yield return name;
        }
    }

    /// <summary>A session file as read: <see cref="Header"/> carries the effective expiry (see <see cref="Read"/>),
    /// <see cref="ContentExpiresAtMs"/> the one written in the file.</summary>
    private readonly record struct StoredFile(bool Exists, SessionHeader? Header, byte[] Buffer, string? Error, long ContentExpiresAtMs)
    {
        public bool IsLive(long nowMs) => Header is { } header && header.IsLive(nowMs);

        public SessionRecord ToRecord()
        {
            var h = Header!.Value;
            return new(h.Id, Buffer.AsMemory(h.HeaderLength, h.DataLength), h.Version, FromUnixMs(h.ExpiresAtMs), FromUnixMs(h.CreatedAtMs), h.Subject);
        }

        public SessionInfo ToInfo(bool includeData)
        {
            var h = Header!.Value;
            return new(h.Id, h.Version, FromUnixMs(h.ExpiresAtMs), FromUnixMs(h.CreatedAtMs), h.Subject, h.DataLength,
                includeData ? (ReadOnlyMemory<byte>?)Buffer.AsMemory(h.HeaderLength, h.DataLength) : null);
        }

        private static DateTimeOffset FromUnixMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }
}
