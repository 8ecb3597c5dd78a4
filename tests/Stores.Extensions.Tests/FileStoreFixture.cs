using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;
using SessionStores.File;

namespace SessionStores.Extensions.Tests;

/// <summary>File stores, each namespace a fresh subdirectory of one temporary root deleted with the fixture.</summary>
public sealed class FileStoreFixture : IBackendInspectionFixture, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sessionstores-extensions-tests", Guid.NewGuid().ToString("N")[..12]);

    public ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISessionStore>(new FileSessionStore(
            new FileSessionStoreOptions { Directory = Path.Combine(_root, options.Namespace), MaxDataBytes = options.MaxDataBytes }, options.Clock));

    public ValueTask<long> CountHeldRecordsAsync(ISessionStore store, ConformanceStoreOptions options, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        ValueTask.FromResult<long>(Directory.GetFiles(Path.Combine(_root, options.Namespace, "sessions")).Length);

    public async ValueTask RunCleanupAsync(ISessionStore store, ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        await ((FileSessionStore)store).PruneAsync(cancellationToken);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
