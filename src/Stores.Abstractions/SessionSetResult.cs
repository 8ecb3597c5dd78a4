namespace SessionStores;

/// <summary>The outcome of <see cref="ISessionStore.SetAsync"/>.</summary>
public readonly record struct SessionSetResult
{
    private SessionSetResult(bool succeeded, long version)
    {
        Succeeded = succeeded;
        Version = version;
    }

    /// <summary><see langword="true"/> when the write was stored; <see langword="false"/> on a compare-and-set conflict.</summary>
    public bool Succeeded { get; }

    /// <summary><see langword="true"/> when a compare-and-set found another version and wrote nothing.</summary>
    public bool IsConflict => !Succeeded;

    /// <summary>On success the version just written; on conflict the current live version (0 when absent or expired).</summary>
    public long Version { get; }

    /// <summary>A successful write that produced <paramref name="version"/>.</summary>
    /// <param name="version">The new version.</param>
    /// <returns>The result.</returns>
    public static SessionSetResult Success(long version) => new(true, version);

    /// <summary>A compare-and-set conflict; <paramref name="currentVersion"/> is the live version (0 when absent).</summary>
    /// <param name="currentVersion">The version found.</param>
    /// <returns>The result.</returns>
    public static SessionSetResult Conflict(long currentVersion) => new(false, currentVersion);
}
