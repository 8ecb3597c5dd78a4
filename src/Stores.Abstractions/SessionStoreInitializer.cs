using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores;

/// <summary>
/// Work a store does once before its first operation (create or check a schema, build indexes, connect): run once by
/// the first caller, waited for by the callers that arrive meanwhile, and tried again by the next caller after a failure,
/// so one outage at start-up does not break the store for good.
/// </summary>
/// <remarks>
/// Each attempt runs under the token of the caller that makes it (inside an operation, the runner's deadline), and its
/// failure is that caller's; a caller waiting for another's attempt waits with its own token. Once the work succeeded,
/// <see cref="EnsureAsync"/> costs one volatile read.
/// </remarks>
public sealed class SessionStoreInitializer
{
    private readonly Func<CancellationToken, Task> _work;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _done;

    /// <summary>Creates the initializer; nothing runs until <see cref="EnsureAsync"/>.</summary>
    /// <param name="work">The work; give its token to every call that may wait.</param>
    public SessionStoreInitializer(Func<CancellationToken, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        _work = work;
    }

    /// <summary>Whether the work has succeeded.</summary>
    public bool IsDone => _done;

    /// <summary>Runs the work unless it has succeeded, or waits for the attempt under way.</summary>
    /// <param name="cancellationToken">The caller's token: cancels its wait, and its own attempt.</param>
    /// <returns>A task that completes once the work has succeeded, or fails with this caller's attempt.</returns>
    public Task EnsureAsync(CancellationToken cancellationToken) => _done ? Task.CompletedTask : RunAsync(cancellationToken);

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_done)
            {
                await _work(cancellationToken).ConfigureAwait(false);
                _done = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
