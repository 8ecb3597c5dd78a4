using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SessionStores.File.Internal;

namespace SessionStores.File;

/// <summary>
/// A session store that keeps one file per session in a directory: no server, survives restarts, and can be shared
/// by several processes on one machine.
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> Under <see cref="FileSessionStoreOptions.Directory"/>: <c>sessions/</c> holds one file per
/// session (named from the id so that no id can leave the directory, see the package README), <c>subjects/</c> one
/// directory of empty marker files per subject, <c>locks/</c> the lock files and <c>tmp/</c> writes in progress.</para>
/// <para><b>Atomic writes.</b> Every write goes to a new file in <c>tmp/</c>, is flushed to disk, and is renamed over
/// the session's file, so a reader or a crash sees the old session or the new one, never a torn one. With
/// <see cref="FileSessionStoreOptions.FlushToDisk"/> the directory is flushed after each rename and delete as well, so an
/// acknowledged write or destroy survives a power loss (on Linux and macOS; see that option for Windows).</para>
/// <para><b>Compare-and-set</b> across threads and processes holds an exclusive operating-system file lock
/// (<c>flock</c> on Unix) while it reads the version and renames the new file into place. Reads take no lock.</para>
/// <para><b>Expiry</b> follows the <see cref="TimeProvider"/> given to the constructor and is stored in each file;
/// the file's modification time is set to the same instant so that a pruning pass finds expired files from
/// the directory listing alone, opening only those. A sliding-expiry touch moves only the modification time, so a
/// session's expiry is the later of the written one and the file's modification time (see the package README).</para>
/// </remarks>
public sealed partial class FileSessionStore : ISessionStore, IDisposable, IAsyncDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SessionLocks _locks;
    private readonly string _sessionsDirectory;
    private readonly string _subjectsDirectory;
    private readonly string _tempDirectory;
    private readonly int _maxDataBytes;
    private readonly bool _flushToDisk;
    private readonly GroupFlush<DirectorySync.Handle> _sessionsFlush = new(static directory => directory.Flush());

    // Whether this file system keeps modification times (the expiry stamps) to the millisecond; see ExpiryStamps.
    private readonly bool _exactStamps;
    private readonly SessionStoreOperationRunner _runner;
    private int _disposeState;

    /// <summary>Creates a store, creating its directory when missing.</summary>
    /// <param name="options">The options; <see cref="FileSessionStoreOptions.Directory"/> is required.</param>
    /// <param name="timeProvider">The clock that decides expiry; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names every invalid one.</exception>
    /// <exception cref="InvalidOperationException">The directory cannot be created, or the file system does not enforce file locks.</exception>
    public FileSessionStore(FileSessionStoreOptions options, TimeProvider? timeProvider = null, ILogger<FileSessionStore>? logger = null)
    {
        FileSessionStoreOptionsValidator.Instance.ThrowIfInvalid(options, nameof(options));
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _runner = new SessionStoreOperationRunner(FileBackend.Instance, options.OperationTimeout, _logger);
        _maxDataBytes = options.MaxDataBytes;
        _flushToDisk = options.FlushToDisk;
        _pruneBatchSize = options.PruneBatchSize;
        _orphanTempFileAgeMs = (long)options.OrphanTempFileAge.TotalMilliseconds;
        RootDirectory = Path.GetFullPath(options.Directory!);
        _sessionsDirectory = Path.Combine(RootDirectory, "sessions");
        _subjectsDirectory = Path.Combine(RootDirectory, "subjects");
        _tempDirectory = Path.Combine(RootDirectory, "tmp");
        var locksDirectory = Path.Combine(RootDirectory, "locks");
        try
        {
            var createdRoot = !Directory.Exists(RootDirectory);
            Directory.CreateDirectory(_sessionsDirectory);
            Directory.CreateDirectory(_subjectsDirectory);
            Directory.CreateDirectory(_tempDirectory);
            Directory.CreateDirectory(locksDirectory);

            // Sessions flushed into a directory whose own name is lost to a power cut would be lost with it.
            FlushDirectory(RootDirectory);
            if (createdRoot && Path.GetDirectoryName(RootDirectory) is { } parent)
            {
                FlushDirectory(parent);
            }
        }
        catch (Exception ex) when (FileBackend.Instance.IsFailure(ex))
        {
            // Not a failed operation but a setting to fix: the exception names it.
            throw new InvalidOperationException($"The session directory '{SessionValidation.EscapeControlCharacters(RootDirectory)}' (FileSessionStoreOptions.Directory) cannot be created: {SessionValidation.EscapeControlCharacters(ex.Message)}", ex);
        }

        _locks = new SessionLocks(locksDirectory, options.LockTimeout);
        _locks.VerifyLocking();
        _exactStamps = ExpiryStamps.ProbeExact(_tempDirectory, NowMs());
        // Reuse needs flushed writes: an unflushed overwrite of a reused file is not ordered before the exchange, so a
        // power cut could leave the session file with another session's old bytes (see FileSessionStoreOptions.ReuseFiles).
        _spares = new SparePool(_tempDirectory, options.ReuseFiles && _flushToDisk && RenameExchange.IsSupported);
        _pruneTimer = _time.CreateTimer(static state => ((FileSessionStore)state!).PruneOnTimer(), this, options.PruneInterval, options.PruneInterval);
    }

    /// <summary>The full path of the store's directory (its namespace).</summary>
    public string RootDirectory { get; }

    private bool IsDisposed => Volatile.Read(ref _disposeState) != 0;

    /// <inheritdoc />
    public Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        ThrowIfDisposed();
        return _runner.RunAsync(SessionStoreOperationNames.Get, (Store: this, Id: id), static (s, ct) => s.Store.GetCoreAsync(s.Id, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        ThrowIfDisposed();
        return _runner.RunAsync(
            SessionStoreOperationNames.GetAndTouch, (Store: this, Id: id, Ttl: ttl), static (s, ct) => s.Store.GetAndTouchCoreAsync(s.Id, s.Ttl, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        ThrowIfDisposed();
        return _runner.RunAsync(SessionStoreOperationNames.Touch, (Store: this, Id: id, Ttl: ttl), static (s, ct) => s.Store.TouchCoreAsync(s.Id, s.Ttl, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateWrite(write, _maxDataBytes);
        ThrowIfDisposed();
        return _runner.RunAsync(SessionStoreOperationNames.Set, (Store: this, Id: id, Write: write), static (s, ct) => s.Store.SetCoreAsync(s.Id, s.Write, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        ThrowIfDisposed();
        return _runner.RunAsync(SessionStoreOperationNames.Destroy, (Store: this, Id: id), static (s, ct) => s.Store.DestroyCoreAsync(s.Id, ct), cancellationToken);
    }

    /// <summary>
    /// Stops the background pruning and releases the store's resources (the pruning cursor's open directory listing,
    /// the lease watcher and the leases this instance holds); a pass in progress releases its part when it ends. Operations started afterwards throw <see cref="ObjectDisposedException"/>;
    /// operations already under way finish and report what they did.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposeState, 1) != 0)
        {
            return;
        }

        _shutdown.Cancel();
        StopLeases();
        _pruneTimer.Dispose();
        DeleteSpares();
        if (_pruneGate.Wait(0))
        {
            ReleasePruneGate();
        }
    }

    /// <summary>Stops the background pruning, waits for a pass in progress to end, and releases the store's resources.</summary>
    /// <returns>A task that completes when pruning has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        await _pruneGate.WaitAsync().ConfigureAwait(false);
        ReleasePruneGate();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    private Task<SessionRecord?> GetCoreAsync(string id, CancellationToken cancellationToken)
    {
        // No lock: files are only ever replaced whole by a rename, so a read sees one complete version.
        var file = Read(SessionFileNames.ForId(id), id, includeData: true, cancellationToken);
        return Task.FromResult(file.IsLive(NowMs()) ? file.ToRecord() : null);
    }

    private Task<SessionRecord?> GetAndTouchCoreAsync(string id, TimeSpan ttl, CancellationToken cancellationToken) =>
        TouchFileAsync(id, ttl, cancellationToken);

    private async Task<bool> TouchCoreAsync(string id, TimeSpan ttl, CancellationToken cancellationToken) =>
        await TouchFileAsync(id, ttl, cancellationToken).ConfigureAwait(false) is not null;

    private async Task<bool> DestroyCoreAsync(string id, CancellationToken cancellationToken)
    {
        var name = SessionFileNames.ForId(id);
        using (await _locks.AcquireAsync(name, cancellationToken).ConfigureAwait(false))
        {
            using var directory = OpenForFlush(_sessionsDirectory);
            var outcome = DeleteLocked(name, id, subject: null, cancellationToken);
            if (outcome is not DeleteOutcome.Missing)
            {
                // A logout that a power cut could undo is no logout.
                await FlushSessionsAsync(directory).ConfigureAwait(false);
            }

            return outcome is DeleteOutcome.Live or DeleteOutcome.Corrupt;
        }
    }

    private async Task<SessionSetResult> SetCoreAsync(string id, SessionWrite write, CancellationToken cancellationToken)
    {
        var name = SessionFileNames.ForId(id);
        using (await _locks.AcquireAsync(name, cancellationToken).ConfigureAwait(false))
        {
            var current = Read(name, id, includeData: false, cancellationToken, throwIfCorrupt: write.ExpectedVersion is not null);
            var now = NowMs();
            var live = current.IsLive(now);
            var liveVersion = live ? current.Header!.Value.Version : 0;
            if (write.ExpectedVersion is { } expected && expected != liveVersion)
            {
                return SessionSetResult.Conflict(liveVersion);
            }

            var next = new SessionHeader(
                id, liveVersion + 1, now + SessionValidation.ToMilliseconds(write.Ttl), live ? current.Header!.Value.CreatedAtMs : now, write.Subject, write.Data.Length, 0);

            // The marker goes first: a crash after it leaves a stale marker (verified and skipped by readers), never a
            // session its subject cannot find.
            if (write.Subject is not null)
            {
                AddMarker(write.Subject, name);
                if (!string.Equals(current.Header?.Subject, write.Subject, StringComparison.Ordinal))
                {
                    // A new binding: its marker (and maybe the subject's directory) must be as durable as the session,
                    // or "sign out everywhere" could miss it after a power cut. A session already bound to this subject
                    // had its marker flushed by the write that bound it.
                    FlushDirectory(SubjectDirectory(write.Subject));
                    FlushDirectory(_subjectsDirectory);
                }
            }

            var size = FileCodec.GetSize(id, write.Subject, write.Data.Length);
            var buffer = new byte[size];
            FileCodec.Write(buffer, id, next, write.Data.Span);
            await ReplaceAsync(name, buffer, next.ExpiresAtMs, cancellationToken).ConfigureAwait(false);

            if (current.Header?.Subject is { } previous && !string.Equals(previous, write.Subject, StringComparison.Ordinal))
            {
                RemoveMarker(previous, name);
            }

            return SessionSetResult.Success(next.Version);
        }
    }

    private async Task<SessionRecord?> TouchFileAsync(string id, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var name = SessionFileNames.ForId(id);
        using (await _locks.AcquireAsync(name, cancellationToken).ConfigureAwait(false))
        {
            var current = Read(name, id, includeData: true, cancellationToken);
            var now = NowMs();
            if (!current.IsLive(now))
            {
                return null;
            }

            var expiresAtMs = now + SessionValidation.ToMilliseconds(ttl);
            var stamp = TryStamp(name, current.ContentExpiresAtMs, expiresAtMs);
            if (stamp is StampOutcome.Missing)
            {
                return null;
            }

            if (stamp is StampOutcome.Rewrite)
            {
                // Only the expiry (and the header checksum) change; data and version are written back as they were.
                FileCodec.SetExpiry(current.Buffer, expiresAtMs);
                await ReplaceAsync(name, current.Buffer, expiresAtMs, cancellationToken).ConfigureAwait(false);
            }

            return (current with { Header = current.Header!.Value with { ExpiresAtMs = expiresAtMs } }).ToRecord();
        }
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
