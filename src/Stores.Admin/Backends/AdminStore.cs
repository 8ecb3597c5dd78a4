using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Admin.Backends;

/// <summary>The outcome of <c>prune</c>: how many expired sessions went, and the store's own figures.</summary>
/// <param name="Ran">False when another instance held the store's pruning lock, so this one did nothing.</param>
/// <param name="Deleted">Expired sessions deleted.</param>
/// <param name="Details">The store's own counters (entries inspected, batches...), by camelCase name.</param>
internal sealed record PruneReport(bool Ran, long Deleted, IReadOnlyList<KeyValuePair<string, long>> Details);

/// <summary>
/// A store opened for one command: the contract, a description of where it is (for prompts and output) and, for the
/// stores that delete expired sessions themselves, their prune pass.
/// </summary>
internal sealed class AdminStore : IAsyncDisposable
{
    private readonly object _owner;

    public AdminStore(ISessionStore store, string backend, string location, Func<CancellationToken, Task<PruneReport>>? prune)
    {
        Store = store;
        _owner = store;
        Backend = backend;
        Location = location;
        Prune = prune;
    }

    public ISessionStore Store { get; }

    /// <summary>The <c>--store</c> name.</summary>
    public string Backend { get; }

    /// <summary>The namespace in words, e.g. <c>prefix 'session:'</c>; never the connection string, which may hold a password.</summary>
    public string Location { get; }

    /// <summary>One full prune, or <see langword="null"/> for a backend that expires sessions natively.</summary>
    public Func<CancellationToken, Task<PruneReport>>? Prune { get; }

    public async ValueTask DisposeAsync()
    {
        switch (_owner)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }
}

/// <summary>Builds one backend's store from the command line, through its public options and constructor.</summary>
internal interface IAdminStoreFactory
{
    /// <summary>The <c>--store</c> name.</summary>
    string Name { get; }

    /// <summary>The namespace options this backend takes; any other given is refused.</summary>
    IReadOnlyCollection<string> NamespaceOptions { get; }

    AdminStore Create(StoreSettings settings);
}
