using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using IOFile = System.IO.File;

namespace SessionStores.File.Internal;

/// <summary>
/// The spare files of one store instance in <c>tmp/</c>: files that held a replaced session and are overwritten by a
/// later write instead of being deleted, so that a write reuses an inode rather than allocating one and freeing another.
/// </summary>
/// <remarks>
/// <para>Why: on ext4 every write used to create a file and free the one it replaced. Without a journal, ext4's inode
/// allocator skips every inode freed in the last seconds and reads inode-table blocks to find them, which under a
/// steady write load cost more CPU than the writes (see docs/benchmarks/history.md); with a journal the create and free
/// still cost bitmap and inode-table updates.</para>
/// <para>Names: a spare is <c>spare-{owner}-{n}.tmp</c>, where the owner is a random id of this instance, which holds
/// <c>spare-{owner}.tmp</c> open with <see cref="FileShare.None"/> (<c>flock(LOCK_EX)</c>) for its lifetime. A pruning
/// pass (<see cref="IsOrphan"/>) deletes another owner's spares, and its lock file, only when it can take that lock
/// itself: the owner is gone (disposed or crashed), so a live instance's spares are never deleted. A spare deleted
/// anyway (by hand) only makes the write that takes it create a new file, as writes did before.</para>
/// <para>The pool is bounded (<see cref="Capacity"/>); a spare beyond it is deleted. Disposing deletes the spares.</para>
/// </remarks>
internal sealed class SparePool : IDisposable
{
    /// <summary>The most spares one instance keeps: enough for its concurrent writers, few enough to be negligible.</summary>
    public const int Capacity = 64;

    private const string Prefix = "spare-";
    private const int OwnerLength = 32;

    private readonly string _directory;
    private readonly string _owner = Guid.NewGuid().ToString("N");
    private readonly Stack<string> _spares = new(Capacity);
    private readonly SafeFileHandle? _ownerLock;
    private long _created;
    private bool _disposed;
    private volatile bool _enabled;

    /// <summary>Creates the pool of a store whose temporary files are in <paramref name="directory"/>.</summary>
    /// <param name="directory">The store's <c>tmp/</c>.</param>
    /// <param name="enabled">Whether writes reuse files at all; when not, the pool holds nothing and takes no lock.</param>
    public SparePool(string directory, bool enabled)
    {
        _directory = directory;
        if (enabled)
        {
            _ownerLock = IOFile.OpenHandle(OwnerLockPath(_owner), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
            _enabled = true;
        }
    }

    /// <summary>Whether writes reuse spares: on Linux, until an exchange turns out to be unsupported.</summary>
    public bool IsEnabled => _enabled;

    /// <summary>Stops reuse (the file system cannot exchange names); the spares are deleted on disposal.</summary>
    public void Disable() => _enabled = false;

    /// <summary>A spare to overwrite, or <see langword="null"/> when the pool is empty: then write a new file named
    /// <see cref="NewName"/>.</summary>
    public string? TryTake()
    {
        lock (_spares)
        {
            return _spares.TryPop(out var spare) ? spare : null;
        }
    }

    /// <summary>A path for a new file that may become a spare once it has been exchanged with a session file.</summary>
    public string NewName() =>
        Path.Combine(_directory, $"{Prefix}{_owner}-{Interlocked.Increment(ref _created)}{SessionFileNames.TempSuffix}");

    /// <summary>Keeps a spare for a later write; <see langword="false"/> when the pool is full or disposed, and the
    /// caller must delete it.</summary>
    public bool TryReturn(string spare)
    {
        lock (_spares)
        {
            if (_disposed || _spares.Count >= Capacity)
            {
                return false;
            }

            _spares.Push(spare);
            return true;
        }
    }

    /// <summary>
    /// Whether <paramref name="name"/> (a file in <c>tmp/</c>) is a spare or owner lock left by an instance that is
    /// gone, which a pruning pass may delete; <see langword="null"/> when it is not a spare's name at all.
    /// </summary>
    public bool? IsOrphan(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal) || name.Length < Prefix.Length + OwnerLength + SessionFileNames.TempSuffix.Length)
        {
            return null;
        }

        var owner = name.Substring(Prefix.Length, OwnerLength);
        if (string.Equals(owner, _owner, StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            // Taken only when the owner no longer holds it; released at once (a dead owner never comes back).
            IOFile.OpenHandle(OwnerLockPath(owner), FileMode.Open, FileAccess.ReadWrite, FileShare.None).Dispose();
            return true;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // An owner creates its lock before any spare and deletes it last.
            return true;
        }
        catch (IOException ex) when (SessionLocks.IsLockConflict(ex))
        {
            return false;
        }
    }

    /// <summary>Stops keeping spares and returns them for the caller to delete (then <see cref="OwnerLockFile"/>, so that
    /// a crash in between leaves spares without an owner, which a pruning pass reclaims).</summary>
    public string[] Drain()
    {
        lock (_spares)
        {
            _disposed = true;
            _enabled = false;
            var spares = _spares.ToArray();
            _spares.Clear();
            return spares;
        }
    }

    /// <summary>The owner lock file, for the caller to delete after the spares <see cref="Drain"/> returned and
    /// before disposing (which releases the lock); <see langword="null"/> when the pool was never enabled.</summary>
    public string? OwnerLockFile => _ownerLock is null ? null : OwnerLockPath(_owner);

    /// <summary>Releases the owner lock.</summary>
    public void Dispose() => _ownerLock?.Dispose();

    private string OwnerLockPath(string owner) => Path.Combine(_directory, $"{Prefix}{owner}{SessionFileNames.TempSuffix}");
}
