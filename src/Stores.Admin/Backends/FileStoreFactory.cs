using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.File;

namespace SessionStores.Admin.Backends;

/// <summary><c>--store file</c>: the directory comes from <c>--directory</c> or <c>--connection</c>.</summary>
internal sealed class FileStoreFactory : IAdminStoreFactory
{
    public string Name => "file";

    public IReadOnlyCollection<string> NamespaceOptions { get; } = ["--directory"];

    public AdminStore Create(StoreSettings settings)
    {
        var directory = settings.Directory ?? settings.Connection;
        if (string.IsNullOrWhiteSpace(directory))
        {
            throw new AdminUsageException($"The file store needs --directory (or --connection, or {Program.ConnectionVariable}).");
        }

        // The store creates a missing directory; an operator who mistyped the path should hear so instead.
        if (!System.IO.Directory.Exists(directory))
        {
            throw new AdminUsageException($"The directory '{directory}' does not exist.");
        }

        var store = new FileSessionStore(new FileSessionStoreOptions
        {
            Directory = directory,
            OperationTimeout = StoreFactories.TimeoutOf(settings),

            // The tool prunes only when asked to; the longest interval keeps the timer out of a long listing.
            PruneInterval = TimeSpan.FromDays(1),
        });
        return new AdminStore(store, Name, $"directory '{store.RootDirectory}'", ct => PruneAsync(store, ct));
    }

    /// <summary>A pass inspects a bounded batch of entries; passes run until one reports the sweep complete.</summary>
    private static async Task<PruneReport> PruneAsync(FileSessionStore store, CancellationToken cancellationToken)
    {
        long inspected = 0, deleted = 0, temporary = 0, passes = 0;
        FilePruneResult result;
        do
        {
            result = await store.PruneAsync(cancellationToken).ConfigureAwait(false);
            passes++;
            inspected += result.Inspected;
            deleted += result.SessionsDeleted;
            temporary += result.TemporaryFilesDeleted;
        }
        while (!result.SweepCompleted);

        return new PruneReport(true, deleted, StoreFactories.Details(
            ("inspected", inspected), ("temporaryFilesDeleted", temporary), ("passes", passes)));
    }
}
