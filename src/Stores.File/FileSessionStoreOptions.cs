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

    /// <summary>How often the background reaper deletes expired session files. Default: 1 minute.</summary>
    public TimeSpan ReapInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How many directory entries one reaper pass inspects at most, so a pass never stalls on a huge directory; the
    /// next pass continues where this one stopped. Only entries whose modification time (the store sets it to the
    /// expiry) has passed are opened. Default: 10,000.
    /// </summary>
    public int ReapBatchSize { get; set; } = 10_000;

    /// <summary>
    /// How long a write waits for the per-session lock (held by another thread or process) before it fails with a
    /// transient <see cref="SessionStoreException"/>. Default: 10 seconds.
    /// </summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether each write is flushed to the disk (<c>fsync</c>) before it replaces the old file, so a power loss
    /// keeps either the old or the new session, never an empty file. Turning it off trades that guarantee for speed
    /// (a process crash is still safe). Default: <see langword="true"/>.
    /// </summary>
    public bool FlushToDisk { get; set; } = true;

    /// <summary>
    /// How old a temporary file left by a crashed writer must be before the reaper deletes it. Default: 10 minutes.
    /// </summary>
    public TimeSpan OrphanTempFileAge { get; set; } = TimeSpan.FromMinutes(10);
}
