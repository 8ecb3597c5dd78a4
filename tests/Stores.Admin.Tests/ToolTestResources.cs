using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace SessionStores.Admin.Tests;

/// <summary>What the tool's test classes share: the stores' timeout, and disposal of what a test created.</summary>
public abstract class ToolTestResources : IAsyncDisposable
{
    /// <summary>
    /// The operation timeout of the tests' stores and of the tool (<c>--timeout</c>): generous, because CI machines are
    /// shared and a test asserts what the tool does, never how fast.
    /// </summary>
    protected static readonly TimeSpan OperationTimeout = TimeSpan.FromMinutes(1);

    protected const string TimeoutSeconds = "60";

    private readonly List<IAsyncDisposable> _owned = [];

    /// <summary>Disposes what the test created, newest first: a store before the directory it lives in.</summary>
    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Keeps <paramref name="store"/> to dispose after the test.</summary>
    protected T Own<T>(T store)
        where T : IAsyncDisposable
    {
        _owned.Add(store);
        return store;
    }
}
