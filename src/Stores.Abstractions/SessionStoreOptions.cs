namespace SessionStores;

/// <summary>Options every store shares. Each store's own options derive from this class.</summary>
public abstract class SessionStoreOptions
{
    /// <summary>
    /// The largest session payload accepted, in bytes. Larger writes throw an <see cref="System.ArgumentException"/>
    /// before any I/O. Default: <see cref="SessionLimits.DefaultMaxDataBytes"/> (1 MiB).
    /// </summary>
    public int MaxDataBytes { get; set; } = SessionLimits.DefaultMaxDataBytes;
}
