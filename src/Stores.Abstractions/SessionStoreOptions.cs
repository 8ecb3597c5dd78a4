namespace SessionStores;

/// <summary>Options every store shares. Each store's own options derive from this class.</summary>
public abstract class SessionStoreOptions
{
    /// <summary>
    /// The largest session payload accepted, in bytes. Larger writes throw an <see cref="System.ArgumentException"/>
    /// before any I/O. Default: <see cref="SessionLimits.DefaultMaxDataBytes"/> (1 MiB).
    /// </summary>
    public int MaxDataBytes { get; set; } = SessionLimits.DefaultMaxDataBytes;

    /// <summary>
    /// The deadline of every store operation, whatever the backend does: when it passes, the operation throws a transient
    /// <see cref="SessionStoreException"/> (the caller stops waiting even if the server stopped answering mid-request, and
    /// the driver's own command is cancelled or its connection broken). Greater than zero and at most
    /// <see cref="SessionLimits.MaxOperationTimeout"/>. Default: <see cref="SessionLimits.DefaultOperationTimeout"/> (5 s).
    /// </summary>
    public System.TimeSpan OperationTimeout { get; set; } = SessionLimits.DefaultOperationTimeout;
}
