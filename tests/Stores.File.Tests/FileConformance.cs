using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.Conformance;
using Xunit;

namespace SessionStores.File.Tests;

// The shared suites, run against the file store. Not the stalled-backend suite: a directory cannot be paused as a
// server can; the file store's own waits (a lock held by another process) are OperationTimeoutTests.
public sealed class FileConformance(FileFixture fixture) : SessionStoreConformanceTests<FileFixture>(fixture);

public sealed class FileFakeClockConformance(FileFixture fixture) : FakeClockConformanceTests<FileFixture>(fixture);

public sealed class FileCorruptDataConformance(FileFixture fixture) : CorruptDataConformanceTests<FileFixture>(fixture);

public sealed class FileLeaseConformance(FileFixture fixture) : LeaseConformanceTests<FileFixture>(fixture);

public sealed class FileLeaseHolderProcessConformance(FileFixture fixture) : LeaseHolderProcessConformanceTests<FileFixture>(fixture);

public sealed class FileFailureConformance(FileFixture fixture) : FailureConformanceTests<FileFixture>(fixture);

public sealed class FileRegistrationTests(FileFixture fixture) : RegistrationConformanceTests<FileSessionStore, FileSessionStoreOptions>, IClassFixture<FileFixture>
{
    protected override IEnumerable<(string Option, Action<FileSessionStoreOptions> Break)> InvalidOptions =>
    [
        ("Directory", o => o.Directory = null),
        ("Directory", o => o.Directory = " "),
        ("PruneInterval", o => o.PruneInterval = TimeSpan.Zero),
        ("PruneInterval", o => o.PruneInterval = TimeSpan.FromDays(60)),
        ("PruneBatchSize", o => o.PruneBatchSize = 0),
        ("LockTimeout", o => o.LockTimeout = TimeSpan.Zero),
        ("OrphanTempFileAge", o => o.OrphanTempFileAge = TimeSpan.FromTicks(-1)),
    ];

    protected override ValueTask<Action<FileSessionStoreOptions>> ValidOptionsAsync(CancellationToken cancellationToken)
    {
        var directory = Path.Combine(fixture.Root, "registration-" + Guid.NewGuid().ToString("N")[..12]);
        return ValueTask.FromResult<Action<FileSessionStoreOptions>>(o => o.Directory = directory);
    }

    protected override void Register(IServiceCollection services, Action<FileSessionStoreOptions> configure) => services.AddFileSessionStore(configure);

    protected override FileSessionStore Create(FileSessionStoreOptions options) => new(options);
}
