using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Enumeration;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.File.Internal;

namespace SessionStores.File;

// Pruning, and what disposal frees under the pruning gate. Expired sessions are already invisible; pruning only reclaims their disk
// space. A pass reads modification times from the directory listing (every write sets a file's modification time to
// its expiry) and opens only files whose time has passed, checking the stored expiry under the session's lock before
// deleting, so a wrong modification time (a restored backup, a coarse file system) can delay pruning but never delete a
// live session.
public sealed partial class FileSessionStore
{
    private readonly ITimer _pruneTimer;
    // Held by a pruning pass. It is never disposed: it allocates no wait handle, and a PruneAsync or DisposeAsync still
    // queued on it when the store is disposed must get through (and then finds the store disposed).
    private readonly SemaphoreSlim _pruneGate = new(1, 1);
    // Never disposed either: it has no timer or wait handle, and Dispose cancels it after publishing the disposed state,
    // when a pass ending on another thread may already be freeing the store's resources.
    private readonly CancellationTokenSource _shutdown = new();
    private readonly int _pruneBatchSize;
    private readonly long _orphanTempFileAgeMs;
    private IEnumerator<PruneCandidate>? _pruneCursor;
    private volatile bool _resourcesFreed;

    /// <summary>
    /// Runs one bounded pruning pass now (every <see cref="FileSessionStoreOptions.PruneInterval"/> the timer runs
    /// passes back to back until it has swept the whole directory):
    /// it inspects at most <see cref="FileSessionStoreOptions.PruneBatchSize"/> directory entries, continuing where the
    /// previous pass stopped, deletes the expired session files among them and the temporary files crashed writers left
    /// behind. Each entry (not the pass as a whole) must be handled within <see cref="SessionStoreOptions.OperationTimeout"/>;
    /// a pass already running (the timer's) is waited for first.
    /// </summary>
    /// <param name="cancellationToken">Cancels the pass.</param>
    /// <returns>What the pass did.</returns>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="SessionStoreException">The file system failed.</exception>
    public async Task<FilePruneResult> PruneAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _pruneGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDisposed();
            return await RunPruneAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ReleasePruneGate();
        }
    }

    /// <summary>
    /// Releases the pruning gate. Once the store is disposed, whoever holds the gate frees the resources a pass uses;
    /// taking the gate again after releasing it closes the race with a <see cref="Dispose"/> that found it held.
    /// </summary>
    private void ReleasePruneGate()
    {
        while (true)
        {
            if (IsDisposed)
            {
                FreeResources();
            }

            _pruneGate.Release();
            if (!IsDisposed || _resourcesFreed || !_pruneGate.Wait(0))
            {
                return;
            }
        }
    }

    /// <summary>Runs only while holding the gate, so no pass is using what it frees.</summary>
    private void FreeResources()
    {
        if (_resourcesFreed)
        {
            return;
        }

        _resourcesFreed = true;
        _pruneCursor?.Dispose();
        _pruneCursor = null;
    }

    // One pass under the runner: each entry gets the operation timeout, as each file of DestroyMany does.
    private Task<FilePruneResult> RunPruneAsync(CancellationToken cancellationToken) =>
        _runner.RunStepsAsync(SessionStoreOperationNames.Prune, this, static (store, deadline) => store.PruneCoreAsync(deadline), cancellationToken);

    private async Task<FilePruneResult> PruneCoreAsync(SessionStoreDeadline deadline)
    {
        var nowMs = NowMs();
        var now = DateTimeOffset.FromUnixTimeMilliseconds(nowMs);
        var inspected = 0;
        var sessions = 0;
        var temporary = 0;
        try
        {
            _pruneCursor ??= EnumeratePruneCandidates().GetEnumerator();
            while (inspected < _pruneBatchSize)
            {
                deadline.Restart();
                deadline.Token.ThrowIfCancellationRequested();
                if (!MoveNextStamped(_pruneCursor))
                {
                    // A full sweep ended; the next pass starts a fresh one.
                    _pruneCursor.Dispose();
                    _pruneCursor = null;
                    break;
                }

                inspected++;
                var candidate = _pruneCursor.Current;
                if (candidate.IsTemporary)
                {
                    if (IsOrphan(candidate.Name, nowMs))
                    {
                        TryDeleteFile(Path.Combine(_tempDirectory, candidate.Name));
                        temporary++;
                    }
                }
                else if (candidate.ModifiedAt <= now && await TryPruneAsync(candidate.Name, deadline.Token).ConfigureAwait(false))
                {
                    sessions++;
                }
            }
        }
        catch
        {
            // Start over next time rather than resume a cursor in an unknown state.
            _pruneCursor?.Dispose();
            _pruneCursor = null;
            throw;
        }

        return new FilePruneResult(inspected, sessions, temporary, _pruneCursor is null);
    }

    private async ValueTask<bool> TryPruneAsync(string fileName, CancellationToken cancellationToken)
    {
        using (await _locks.AcquireAsync(fileName, cancellationToken).ConfigureAwait(false))
        {
            var file = Read(fileName, expectedId: null, includeData: false, cancellationToken, throwIfCorrupt: false);
            if (file.Error is not null)
            {
                // The corrupt-data policy leaves damaged sessions to the application (Destroy recovers); say so.
                Log.CorruptFileKept(_logger, TagOf(fileName), file.Error);
                return false;
            }

            if (!file.Exists || file.IsLive(NowMs()))
            {
                return false;
            }

            return DeleteLocked(fileName, expectedId: null, subject: null, cancellationToken) == DeleteOutcome.Expired;
        }
    }

    private bool IsOrphan(string tempName, long nowMs)
    {
        if (_spares.IsOrphan(tempName) is { } spare)
        {
            return spare;
        }

        var dash = tempName.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && long.TryParse(tempName.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var createdMs)
            && nowMs - createdMs >= _orphanTempFileAgeMs;
    }

    private IEnumerable<PruneCandidate> EnumeratePruneCandidates()
    {
        foreach (var (name, modified) in EnumerateStamped(_sessionsDirectory))
        {
            yield return new PruneCandidate(name, modified, IsTemporary: false);
        }

        foreach (var (name, modified) in EnumerateStamped(_tempDirectory, SessionFileNames.TempSuffix))
        {
            yield return new PruneCandidate(name, modified, IsTemporary: true);
        }
    }

    /// <summary>The session files (or, with a suffix, the temporary files) of a directory with their modification
    /// times, streamed from the listing.</summary>
    private static IEnumerable<(string Name, DateTimeOffset Modified)> EnumerateStamped(string directory, string? suffix = null) =>
        new FileSystemEnumerable<(string, DateTimeOffset)>(
            directory,
            (ref FileSystemEntry entry) => (entry.FileName.ToString(), entry.LastWriteTimeUtc),
            new EnumerationOptions { AttributesToSkip = 0 })
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) =>
                !entry.IsDirectory && (suffix is not null ? entry.FileName.EndsWith(suffix, StringComparison.Ordinal) : SessionFileNames.IsSessionFile(entry.FileName)),
        };

    private static bool MoveNextStamped<T>(IEnumerator<T> cursor)
    {
        try
        {
            return cursor.MoveNext();
        }
        catch (FileNotFoundException)
        {
            // The entry was deleted between the directory read and its stat; the enumerator has moved past it.
            return MoveNextStamped(cursor);
        }
    }

    private static string TagOf(string fileName) => SessionValidation.Tag(SessionFileNames.TryGetId(fileName) ?? fileName);

    private void PruneOnTimer() => _ = PruneInBackgroundAsync();

    private async Task PruneInBackgroundAsync()
    {
        // A pass still running (a huge directory, a slow disk) simply makes this tick a no-op.
        if (IsDisposed || !_pruneGate.Wait(0))
        {
            return;
        }

        try
        {
            // Checked again under the gate: only a holder of the gate frees the token source used below.
            if (IsDisposed)
            {
                return;
            }

            // Passes back to back until the sweep of the whole directory is done: one pass per tick would need
            // (files / PruneBatchSize) intervals to reach every file, far slower than sessions expire in a big store.
            // Each pass stats files and opens only expired ones, so a sweep costs a directory listing plus the deletes.
            FilePruneResult result;
            do
            {
                result = await RunPruneAsync(_shutdown.Token).ConfigureAwait(false);
                if (result.SessionsDeleted > 0 || result.TemporaryFilesDeleted > 0)
                {
                    Log.Pruned(_logger, result.SessionsDeleted, result.TemporaryFilesDeleted, result.Inspected);
                }
            }
            while (!result.SweepCompleted && !IsDisposed);
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // A timer has no caller to throw to; the failure is logged and the next tick retries.
            Log.PruneFailed(_logger, FileBackend.Instance.Redact(ex));
        }
        finally
        {
            ReleasePruneGate();
        }
    }

    private readonly record struct PruneCandidate(string Name, DateTimeOffset ModifiedAt, bool IsTemporary);
}
