namespace SessionStores.Admin;

/// <summary>The process exit codes of <c>sessionstores</c>; the README documents them for scripts.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary><c>show &lt;id&gt;</c> or <c>destroy &lt;id&gt;</c> found no live session with that id.</summary>
    public const int NotFound = 1;

    /// <summary>The command line, an option value or an id was refused before the store was touched.</summary>
    public const int BadUsage = 2;

    /// <summary>
    /// The store failed (a <see cref="SessionStoreException"/>: unreachable server, timeout) or cannot be used as
    /// configured (an <see cref="System.InvalidOperationException"/>: no session table at that schema and name).
    /// </summary>
    public const int StoreFailure = 3;

    /// <summary>A destructive command was not confirmed (no terminal and no <c>--yes</c>, or the answer was not yes).</summary>
    public const int Refused = 4;

    /// <summary><c>convert-express</c> converted what it could, but some stored sessions could not be (each named on stderr by its tag).</summary>
    public const int PartlyFailed = 6;

    /// <summary>Interrupted (Ctrl+C): the shells' convention, 128 + SIGINT.</summary>
    public const int Cancelled = 130;

    /// <summary>Anything else: a bug in the tool; the whole exception is printed.</summary>
    public const int Unexpected = 5;
}
