namespace SessionStores.Admin.Express;

/// <summary>What became of one stored Express session.</summary>
internal enum ConversionKind
{
    /// <summary>Written to the native store (or, in a dry run, would be).</summary>
    Converted,

    /// <summary>The native store already had a live session of that id (an earlier run, or a newer session): kept.</summary>
    AlreadyNative,

    /// <summary>Expired, or gone between the listing and the read.</summary>
    Expired,

    /// <summary>Not convertible (not a session JSON, or an id the native stores refuse); reported on stderr.</summary>
    Failed,
}

/// <summary>The counts <c>convert-express</c> reports.</summary>
internal sealed class ExpressConversionTally
{
    public long Converted { get; private set; }

    public long AlreadyNative { get; private set; }

    public long Expired { get; private set; }

    public long Failed { get; private set; }

    public void Add(ConversionKind kind)
    {
        switch (kind)
        {
            case ConversionKind.Converted: Converted++; break;
            case ConversionKind.AlreadyNative: AlreadyNative++; break;
            case ConversionKind.Expired: Expired++; break;
            default: Failed++; break;
        }
    }
}
