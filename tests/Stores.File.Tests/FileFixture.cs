using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using SessionStores.File.Internal;

namespace SessionStores.File.Tests;

/// <summary>Each namespace is a fresh subdirectory of one temporary root, deleted with the fixture.</summary>
public sealed class FileFixture : ICorruptDataFixture, IClockFixture, ILeaseHolderProcessFixture, IUnreachableBackendFixture, IBackendInspectionFixture, IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "sessionstores-file-tests", Guid.NewGuid().ToString("N")[..12]);

    public string DirectoryFor(ConformanceStoreOptions options) => Path.Combine(Root, options.Namespace);

    public ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISessionStore>(new FileSessionStore(
            new FileSessionStoreOptions { Directory = DirectoryFor(options), MaxDataBytes = options.MaxDataBytes }, options.Clock));

    /// <summary>
    /// A store whose directory the file system can no longer resolve, as when its disk or mount fails: created as usual,
    /// then its directory replaced by a symbolic link to itself, so that every access fails with a real I/O error
    /// (ELOOP, "too many levels of symbolic links").
    /// </summary>
    public ValueTask<ISessionStore> CreateUnreachableStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken)
    {
        var directory = DirectoryFor(options);
        var store = new FileSessionStore(new FileSessionStoreOptions { Directory = directory, MaxDataBytes = options.MaxDataBytes }, options.Clock);
        Directory.Delete(directory, recursive: true);
        Directory.CreateSymbolicLink(directory, directory);
        return ValueTask.FromResult<ISessionStore>(store);
    }

    /// <summary>The holder's lock file dies with its process.</summary>
    public bool LeaseEndsWithHolderProcess => true;

    /// <summary>Starts <c>SessionStores.File.CrossProcessWorker lease</c> on the namespace's directory.</summary>
    public ValueTask<Process> StartLeaseHolderAsync(ConformanceStoreOptions options, string id, TimeSpan duration, CancellationToken cancellationToken) =>
        ValueTask.FromResult(LeaseHolderProcesses.StartDotnet(
            "SessionStores.File.CrossProcessWorker.dll", "lease", DirectoryFor(options), id, ((long)duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)));

    /// <summary>The session files in the namespace's directory, expired or not.</summary>
    public ValueTask<long> CountHeldRecordsAsync(ISessionStore store, ConformanceStoreOptions options, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        ValueTask.FromResult<long>(Directory.GetFiles(Path.Combine(DirectoryFor(options), "sessions")).Length);

    /// <summary>The pass the store's prune timer runs.</summary>
    public async ValueTask RunCleanupAsync(ISessionStore store, ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        await ((FileSessionStore)store).PruneAsync(cancellationToken);

    public async ValueTask WriteCorruptRecordAsync(ISessionStore store, ConformanceStoreOptions options, string id, CancellationToken cancellationToken)
    {
        // Garbage where the session's file belongs: no magic number, no valid header.
        var garbage = new byte[300];
        new Random(42).NextBytes(garbage);
        await System.IO.File.WriteAllBytesAsync(Path.Combine(DirectoryFor(options), "sessions", SessionFileNames.ForId(id)), garbage, cancellationToken);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
