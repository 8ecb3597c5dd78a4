using System;
using System.Collections.Concurrent;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using SessionStores.File.Internal;
using IOFile = System.IO.File;

namespace SessionStores.File;

// Leases in leases/ (see LeaseFiles): a state file per id, changed under the id's lock stripe, and a file the holder keeps
// locked while it holds the lease. Why two files: on Unix .NET locks a file for every open (shared for readers), so a
// locked file cannot even be read by another process; the state therefore lives beside the lock. A lease is held while
// its state names an owner, its expiry has not passed AND the owner's file is still locked. So a holder that is killed
// frees its lease at once (the kernel drops its lock), and a holder that hangs loses it when its time passes although its
// process keeps the lock of its own file: the next acquirer writes a new owner into the state and never needs that lock.
public sealed partial class FileSessionStore : ISessionLeaseStore
{
    private readonly object _leaseGate = new();
    private readonly ConcurrentDictionary<string, SafeFileHandle> _heldLeases = new(StringComparer.Ordinal);
    private SessionLeaseWaiters? _leaseWaiters;
    private FileSystemWatcher? _leaseWatcher;
    private volatile bool _leaseDirectoryReady;

    private string LeasesDirectory => Path.Combine(RootDirectory, "leases");

    /// <inheritdoc />
    /// <remarks>A waiting caller starts this store instance's <see cref="FileSystemWatcher"/> on <c>leases/</c>: a release
    /// rewrites the state file, which wakes the waiters of every process on this machine. The death of a holder's process
    /// sends no event; a jittered re-check (bounded by the holder's remaining time) finds it. Local disks only: network
    /// file systems do not deliver change events, and their locks are not reliable.</remarks>
    public Task<SessionLease?> AcquireLeaseAsync(string id, TimeSpan duration, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateLeaseDuration(duration);
        SessionValidation.ValidateLeaseWait(wait);
        ThrowIfDisposed();
        var baseName = LeaseFiles.BaseName(id);
        return _runner.AcquireLeaseAsync(
            baseName,
            wait,
            (Store: this, Id: id, BaseName: baseName, Duration: duration),
            static s => s.Store.LeaseWaiters(),
            static (s, ct) => s.Store.AcquireLeaseCoreAsync(s.Id, s.BaseName, s.Duration, ct),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> RenewLeaseAsync(SessionLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateLease(lease);
        SessionValidation.ValidateLeaseDuration(duration);
        ThrowIfDisposed();
        return _runner.RunAsync(
            SessionStoreOperationNames.RenewLease, (Store: this, Lease: lease, Duration: duration), static (s, ct) => s.Store.RenewLeaseCoreAsync(s.Lease, s.Duration, ct), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Also closes (and deletes) the holder's locked file when this store instance has it, whether or not the
    /// lease was still held.</remarks>
    public Task<bool> ReleaseLeaseAsync(SessionLease lease, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateLease(lease);
        ThrowIfDisposed();
        return _runner.RunAsync(SessionStoreOperationNames.ReleaseLease, (Store: this, Lease: lease), static (s, ct) => s.Store.ReleaseLeaseCoreAsync(s.Lease, ct), cancellationToken);
    }

    // One attempt, run by the runner under the deadline (its token).
    private async Task<SessionLeaseAttempt> AcquireLeaseCoreAsync(string id, string baseName, TimeSpan duration, CancellationToken cancellationToken)
    {
        // Checked again: a waiting acquisition may outlive the store.
        ThrowIfDisposed();
        EnsureLeaseDirectory();
        var stateName = LeaseFiles.StateName(baseName);
        using (await _locks.AcquireAsync(stateName, cancellationToken).ConfigureAwait(false))
        {
            var path = Path.Combine(LeasesDirectory, stateName);
            var state = LeaseFiles.Read(path);
            var now = NowMs();
            if (state.IsLive(now) && LeaseFiles.IsHeld(Path.Combine(LeasesDirectory, LeaseFiles.HeldName(baseName, state.Owner!))))
            {
                return SessionLeaseAttempt.Held(TimeSpan.FromMilliseconds(state.ExpiresAtMs - now));
            }

            var owner = Guid.NewGuid().ToString("N");
            var held = LeaseFiles.CreateHeld(Path.Combine(LeasesDirectory, LeaseFiles.HeldName(baseName, owner)));
            try
            {
                // One more than the last fence, or the clock in microseconds when that is larger: the fence grows even if a
                // state file is lost (a power cut before the rename reached the disk).
                var fence = Math.Max(state.Fence + 1, now * 1000);
                WriteLeaseState(path, new LeaseState(owner, fence, now + SessionValidation.ToMilliseconds(duration)));
                _heldLeases[owner] = held;
                return SessionLeaseAttempt.Acquired(new SessionLease(id, owner, fence));
            }
            catch
            {
                // The attempt failed: its holder file must not keep a lease nobody holds.
                held.Dispose();
                throw;
            }
        }
    }

    private async Task<bool> RenewLeaseCoreAsync(SessionLease lease, TimeSpan duration, CancellationToken cancellationToken)
    {
        EnsureLeaseDirectory();
        var stateName = LeaseFiles.StateName(LeaseFiles.BaseName(lease.Id));
        using (await _locks.AcquireAsync(stateName, cancellationToken).ConfigureAwait(false))
        {
            var path = Path.Combine(LeasesDirectory, stateName);
            var state = LeaseFiles.Read(path);
            var now = NowMs();
            if (!IsHeldBy(state, lease, now))
            {
                return false;
            }

            WriteLeaseState(path, state with { ExpiresAtMs = now + SessionValidation.ToMilliseconds(duration) });
            return true;
        }
    }

    private async Task<bool> ReleaseLeaseCoreAsync(SessionLease lease, CancellationToken cancellationToken)
    {
        EnsureLeaseDirectory();
        var baseName = LeaseFiles.BaseName(lease.Id);
        var stateName = LeaseFiles.StateName(baseName);
        bool released;
        using (await _locks.AcquireAsync(stateName, cancellationToken).ConfigureAwait(false))
        {
            var path = Path.Combine(LeasesDirectory, stateName);
            var state = LeaseFiles.Read(path);
            released = IsHeldBy(state, lease, NowMs());
            if (released)
            {
                // The fence stays; the rename wakes the waiters (theirs is the next turn at the lock stripe).
                WriteLeaseState(path, new LeaseState(null, state.Fence, 0));
            }

            if (_heldLeases.TryRemove(lease.Owner, out var held))
            {
                held.Dispose();
            }
        }

        if (released)
        {
            // This instance's waiters need not wait for the file-system event.
            _leaseWaiters?.Wake(baseName);
        }

        return released;
    }

    private static bool IsHeldBy(LeaseState state, SessionLease lease, long now) =>
        state.IsLive(now) && state.Fence == lease.Fence && string.Equals(state.Owner, lease.Owner, StringComparison.Ordinal);

    /// <summary>Replaces a lease's state whole: a new file in <c>tmp/</c> renamed over the old one (readers never see a
    /// torn state; a leftover temporary file is pruned like any other).</summary>
    private void WriteLeaseState(string path, LeaseState state)
    {
        var temp = Path.Combine(_tempDirectory, $"{NowMs()}-{Guid.NewGuid():N}.tmp");
        try
        {
            IOFile.WriteAllBytes(temp, LeaseFiles.Format(state));
            IOFile.Move(temp, path, overwrite: true);
        }
        catch
        {
            IOFile.Delete(temp);
            throw;
        }
    }

    private void EnsureLeaseDirectory()
    {
        if (!_leaseDirectoryReady)
        {
            Directory.CreateDirectory(LeasesDirectory);
            _leaseDirectoryReady = true;
        }
    }

    /// <summary>The waiters, with this instance's watcher started (once). Should the watcher fail to start (the inotify
    /// limits of the machine), it is logged and the waiters rely on their re-checks alone.</summary>
    private SessionLeaseWaiters LeaseWaiters()
    {
        lock (_leaseGate)
        {
            ThrowIfDisposed();
            if (_leaseWaiters is null)
            {
                var waiters = new SessionLeaseWaiters(_time);
                _leaseWaiters = waiters;
                try
                {
                    // The attempts create it too, under the deadline; failing here only costs the wake-ups.
                    EnsureLeaseDirectory();
                    var watcher = new FileSystemWatcher(LeasesDirectory, "*" + LeaseFiles.StateSuffix)
                    {
                        NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
                    };
                    FileSystemEventHandler onChange = (_, e) => WakeLeaseWaiters(waiters, e.Name);
                    watcher.Created += onChange;
                    watcher.Changed += onChange;
                    watcher.Renamed += (_, e) => WakeLeaseWaiters(waiters, e.Name);
                    watcher.Error += (_, _) => waiters.WakeAll();
                    watcher.EnableRaisingEvents = true;
                    _leaseWatcher = watcher;
                }
                catch (Exception ex) when (ex is IOException or PlatformNotSupportedException or UnauthorizedAccessException)
                {
                    Log.LeaseWatcherFailed(_logger, LeasesDirectory, ex);
                }
            }

            return _leaseWaiters;
        }
    }

    private static void WakeLeaseWaiters(SessionLeaseWaiters waiters, string? fileName)
    {
        if (LeaseFiles.BaseOfStateFile(fileName) is { } baseName)
        {
            waiters.Wake(baseName);
        }
    }

    /// <summary>On disposal: stops the watcher, wakes the waiters (their next attempt sees the store disposed) and ends the
    /// leases this instance holds by closing their locked files.</summary>
    private void StopLeases()
    {
        FileSystemWatcher? watcher;
        lock (_leaseGate)
        {
            watcher = _leaseWatcher;
            _leaseWatcher = null;
        }

        watcher?.Dispose();
        _leaseWaiters?.WakeAll();
        foreach (var owner in _heldLeases.Keys)
        {
            if (_heldLeases.TryRemove(owner, out var held))
            {
                held.Dispose();
            }
        }
    }
}
