using System;
using System.IO;
using IOFile = System.IO.File;

namespace SessionStores.File.Internal;

/// <summary>
/// Every write stamps a session file's modification time with its expiry (before the rename that publishes it), so
/// the directory listing alone tells live files from expired ones: a count and a pruning pass stat files instead of
/// opening them. Whether the stamp is exact depends on the file system, which this probes.
/// </summary>
internal static class ExpiryStamps
{
    /// <summary>How far from a stamp a coarse file system (FAT keeps 2 seconds) may put the real expiry.</summary>
    public const long CoarseSlackMs = 2_000;

    private const long ProbeStampMs = 1_700_000_000_123;

    /// <summary>
    /// Whether the file system under <paramref name="directory"/> keeps modification times to the millisecond. The
    /// probe file is named like a temporary file, so a pruning pass removes it should a crash leave it behind.
    /// </summary>
    public static bool ProbeExact(string directory, long nowMs)
    {
        var probe = Path.Combine(directory, $"{nowMs}-probe{Guid.NewGuid():N}.tmp");
        try
        {
            using (var handle = IOFile.OpenHandle(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                IOFile.SetLastWriteTimeUtc(handle, FromMs(ProbeStampMs));
            }

            return new DateTimeOffset(IOFile.GetLastWriteTimeUtc(probe)).ToUnixTimeMilliseconds() == ProbeStampMs;
        }
        finally
        {
            IOFile.Delete(probe);
        }
    }

    public static DateTime FromMs(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime;

    /// <summary>What a stamp says about a file at <paramref name="nowMs"/>: live, expired, or too close to tell on a
    /// coarse file system (then the file itself must be read).</summary>
    public static bool? IsLive(DateTimeOffset stamp, long nowMs, bool exact)
    {
        var stampMs = stamp.ToUnixTimeMilliseconds();
        if (exact)
        {
            return nowMs < stampMs;
        }

        return nowMs < stampMs - CoarseSlackMs ? true : nowMs >= stampMs + CoarseSlackMs ? false : null;
    }
}
