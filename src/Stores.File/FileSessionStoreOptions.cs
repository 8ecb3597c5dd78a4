using System;

namespace SessionStores.File;

/// <summary>Options of <see cref="FileSessionStore"/>.</summary>
public sealed class FileSessionStoreOptions : SessionStoreOptions
{
    /// <summary>
    /// The directory that holds the sessions; it is the store's namespace, and is created when missing. Several
    /// processes (or machines, on a file system with working <c>flock</c>-style locks) may share it. Default:
    /// <see langword="null"/>, which fails validation: there is no safe default location.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>How often the background pruning sweeps the directory for expired session files (in passes of
    /// <see cref="PruneBatchSize"/> entries, back to back, so every file expired before a sweep starts is deleted by
    /// its end). Positive and below 24 days. Default: 1 minute.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How many directory entries one pruning pass inspects at most, so a pass holds the pruning gate briefly
    /// however large the directory; the next pass continues where this one stopped. Only entries whose modification
    /// time (the store sets it to the expiry) has passed are opened. Default: 10,000.
    /// </summary>
    public int PruneBatchSize { get; set; } = 10_000;

    /// <summary>
    /// How long a write waits for the per-session lock (held by another thread or process) before it fails with a
    /// transient <see cref="SessionStoreException"/>. Default: 10 seconds.
    /// </summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether writes and deletes are flushed to the disk (<c>fsync</c>) before they are acknowledged, so that a power
    /// loss keeps every acknowledged change: each new file is flushed before it replaces the old one (never an empty
    /// file), and the sessions directory is flushed after the rename and after a destroy, so that neither a write nor a
    /// logout or "sign out everywhere" rolls back. Turning it off trades that guarantee for speed (a process crash is
    /// still safe). Default: <see langword="true"/>.
    /// </summary>
    /// <remarks>
    /// Cost: a write (set) flushes twice, the file and the directory; a destroy flushes once, and so does a whole
    /// <see cref="ISessionStore.DestroyManyAsync"/>; binding a session to a new subject flushes two directories more (its
    /// marker's). A sliding-expiry touch (<see cref="ISessionStore.TouchAsync"/>, <see cref="ISessionStore.GetAndTouchAsync"/>)
    /// flushes nothing: it only moves the file's modification time, which readers take as the expiry when it is later
    /// than the written one. A touch lost to a power loss makes the session expire at its previous expiry: no data is
    /// lost and nothing expired comes back, and flushing it would cost two flushes per read-only request. (A touch to an
    /// earlier expiry than the written one rewrites the file, and flushes as a write does.) A directory flush that fails surfaces as a <see cref="SessionStoreException"/>, like any I/O failure.
    /// Directories are flushed on Linux, macOS and FreeBSD; on Windows only files are (there is no supported way to
    /// flush a directory from .NET), so there a change acknowledged just before a power loss can still be lost. On macOS,
    /// <c>fsync</c> of a directory does not force the drive's own cache.
    /// </remarks>
    public bool FlushToDisk { get; set; } = true;

    /// <summary>
    /// Whether a write overwrites a spare file (one that held a session this store replaced earlier) instead of creating
    /// a new file and deleting the old one, on Linux with <see cref="FlushToDisk"/> on. The new content still replaces
    /// the old with a single atomic rename (an exchange of the two names), so readers and crashes see the old or the new
    /// file, never a mix; it saves the file system an inode allocation and free per write, which on ext4 is a large
    /// part of a write's CPU cost (above all without a journal). Each store instance keeps at most 64 spares in the
    /// directory's <c>tmp/</c>; they hold old session data until overwritten, and are deleted when the store is
    /// disposed (or, after a crash, by another instance's pruning pass). Default: <see langword="true"/>.
    /// </summary>
    /// <remarks>
    /// The store's own readers lock a file while they read it, and a spare is only overwritten when no reader holds it.
    /// Tools that read <c>sessions/</c> without locking (a file-by-file backup) may copy a file that is being reused
    /// for another session, and get a file the store reports as corrupt: back up from a file system snapshot, or turn
    /// this off. On other platforms, on file systems without the exchange (<c>renameat2</c> with <c>RENAME_EXCHANGE</c>),
    /// and without <see cref="FlushToDisk"/> (an unflushed overwrite is not ordered before the rename, so a power cut
    /// could leave another session's old bytes under a session's name) every write creates a new file.
    /// </remarks>
    public bool ReuseFiles { get; set; } = true;

    /// <summary>
    /// How old a temporary file left by a crashed writer must be before a pruning pass deletes it. Default: 10 minutes.
    /// </summary>
    public TimeSpan OrphanTempFileAge { get; set; } = TimeSpan.FromMinutes(10);
}
