using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>
/// The session-file-store profile as a plain <see cref="ISessionStore"/>: one directory per namespace. Besides what
/// every express-session format lacks (<see cref="ConformanceCapabilities.None"/>), a session file is a JSON object
/// (<see cref="ConformanceFormatLimits.JsonObjectData"/>) whose lifetime is its own: <c>__lastAccess</c> plus the stored
/// cookie's <c>originalMaxAge</c>, else the store's ttl, whatever TTL a write or touch passes
/// (<see cref="ConformanceFormatLimits.ExpiryFromData"/>).
/// </summary>
public sealed class ExpressFileStoreFixture : IUnreachableBackendFixture, ICorruptDataFixture, IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("sessionstores-express-kit-").FullName;

    public ConformanceCapabilities Capabilities => ConformanceCapabilities.None;

    public ConformanceFormatLimits FormatLimits => ConformanceFormatLimits.JsonObjectData | ConformanceFormatLimits.ExpiryFromData;

    public ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISessionStore>(Create(options));

    /// <summary>A store whose directory the file system can no longer resolve (a symbolic link to itself: every access
    /// fails with ELOOP), as the File store's fixture does it.</summary>
    public ValueTask<ISessionStore> CreateUnreachableStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken)
    {
        var store = Create(options);
        Directory.CreateSymbolicLink(DirectoryFor(options), DirectoryFor(options));
        return ValueTask.FromResult<ISessionStore>(store);
    }

    /// <summary>Text that is no JSON where the session's file belongs, live by any clock (the format keeps no expiry
    /// beside the content).</summary>
    public async ValueTask WriteCorruptRecordAsync(ISessionStore store, ConformanceStoreOptions options, string id, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(DirectoryFor(options));
        await System.IO.File.WriteAllTextAsync(Path.Combine(DirectoryFor(options), id + ".json"), "{\"cookie\":{\"originalMaxAge\":", cancellationToken);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private string DirectoryFor(ConformanceStoreOptions options) => Path.Combine(Root, options.Namespace);

    private ExpressFileSessionStore Create(ConformanceStoreOptions options) =>
        new(new ExpressFileSessionStoreOptions { Path = DirectoryFor(options), MaxDataBytes = options.MaxDataBytes });
}

public sealed class ExpressFileConformance(ExpressFileStoreFixture fixture) : SessionStoreConformanceTests<ExpressFileStoreFixture>(fixture);

public sealed class ExpressFileCorruptDataConformance(ExpressFileStoreFixture fixture) : CorruptDataConformanceTests<ExpressFileStoreFixture>(fixture);

public sealed class ExpressFileFailureConformance(ExpressFileStoreFixture fixture) : FailureConformanceTests<ExpressFileStoreFixture>(fixture);
