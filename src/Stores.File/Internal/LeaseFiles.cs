using System;
using System.Globalization;
using System.IO;
using System.Text;
using Microsoft.Win32.SafeHandles;
using IOFile = System.IO.File;

namespace SessionStores.File.Internal;

/// <summary>
/// The files of the leases in <c>leases/</c>, named from the session file name without its suffix (<c>base</c>), so
/// that no id can leave the directory and the listing and the pruning pass, which walk <c>sessions/</c>, never see them.
/// <list type="bullet">
/// <item><c>base.lease</c>: the lease's state, one line <c>sessionstores-lease 1 &lt;owner|-&gt; &lt;fence&gt;
/// &lt;expires-at-ms&gt;</c>, replaced whole by a rename, read without a lock. Never deleted: it carries the fence.</item>
/// <item><c>base.&lt;owner&gt;.held</c>: created by the holder and held open with <see cref="FileShare.None"/> (an
/// exclusive <c>flock</c> on Unix) for as long as it holds the lease; deleted when it releases. A holder that dies
/// leaves it behind unlocked, which tells the next acquirer at once that the lease is free.</item>
/// </list>
/// The state is read and changed only under the store's lock stripe of <c>base.lease</c>, across threads and processes.
/// </summary>
internal static class LeaseFiles
{
    public const string StateSuffix = ".lease";
    private const string HeldSuffix = ".held";
    private const string Magic = "sessionstores-lease";
    private const int MaxStateBytes = 256;

    public static string BaseName(string id)
    {
        var name = SessionFileNames.ForId(id);
        return name[..^SessionFileNames.Suffix.Length];
    }

    public static string StateName(string baseName) => baseName + StateSuffix;

    public static string HeldName(string baseName, string owner) => baseName + "." + owner + HeldSuffix;

    /// <summary>The lease base name of a state file name, or <see langword="null"/> for any other file.</summary>
    public static string? BaseOfStateFile(string? fileName) =>
        fileName is not null && fileName.EndsWith(StateSuffix, StringComparison.Ordinal) ? fileName[..^StateSuffix.Length] : null;

    /// <summary>Reads a lease's state; a missing or unreadable state is a free lease with fence 0.</summary>
    public static LeaseState Read(string path)
    {
        byte[] bytes;
        try
        {
            using var handle = IOFile.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = (int)Math.Min(RandomAccess.GetLength(handle), MaxStateBytes);
            bytes = new byte[length];
            var read = 0;
            while (read < length)
            {
                var n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return default;
        }

        var parts = Encoding.ASCII.GetString(bytes).Trim().Split(' ');
        return parts is [Magic, "1", var owner, var fenceText, var expiresText]
            && long.TryParse(fenceText, NumberStyles.None, CultureInfo.InvariantCulture, out var fence)
            && long.TryParse(expiresText, NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
                ? new LeaseState(owner == "-" ? null : owner, fence, expires)
                : default;
    }

    public static byte[] Format(LeaseState state) =>
        Encoding.ASCII.GetBytes(string.Create(
            CultureInfo.InvariantCulture, $"{Magic} 1 {state.Owner ?? "-"} {state.Fence} {state.ExpiresAtMs}\n"));

    /// <summary>Whether the holder that created <paramref name="path"/> still holds it open. A file left behind by a
    /// holder that died is deleted on the way.</summary>
    public static bool IsHeld(string path)
    {
        SafeFileHandle handle;
        try
        {
            handle = IOFile.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException ex) when (SessionLocks.IsLockConflict(ex))
        {
            return true;
        }

        using (handle)
        {
            // Locked by us now, so nobody can be checking it at the same time: safe to remove.
            IOFile.Delete(path);
        }

        return false;
    }

    /// <summary>Creates the holder's file and keeps it locked; deleted when the handle is closed.</summary>
    public static SafeFileHandle CreateHeld(string path) =>
        IOFile.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
}

/// <summary>A lease's stored state: its owner (<see langword="null"/> when free), its last fence, its expiry.</summary>
internal readonly record struct LeaseState(string? Owner, long Fence, long ExpiresAtMs)
{
    public bool IsLive(long nowMs) => Owner is not null && ExpiresAtMs > nowMs;
}
