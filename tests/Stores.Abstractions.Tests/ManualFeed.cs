using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Abstractions.Tests;

/// <summary>A near-cache feed the test turns live (for the decorator's tests over the in-memory store).</summary>
internal sealed class ManualFeed : ISessionInvalidationSource, IAsyncDisposable
{
    private readonly TaskCompletionSource<ISessionInvalidationListener> _listener = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<IAsyncDisposable> SubscribeInvalidationsAsync(ISessionInvalidationListener listener, CancellationToken cancellationToken = default)
    {
        _listener.TrySetResult(listener);
        return Task.FromResult<IAsyncDisposable>(this);
    }

    public async Task LiveAsync() => (await _listener.Task).OnFeedRestored();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
