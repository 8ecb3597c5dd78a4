using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace SessionStores.AspNetCore.Internal;

/// <summary>How a session reaches its store: its turn among the requests of the session, and each store call's
/// deadline and outage reporting.</summary>
internal sealed partial class StoreBackedSession
{
    /// <summary>Whether this request waits for its turn on the session: not under <see cref="SessionConcurrency.Optimistic"/>,
    /// not for an endpoint marked <see cref="ReadOnlySessionAttribute"/>.</summary>
    private bool TakesTurn =>
        _settings.Options.Concurrency != SessionConcurrency.Optimistic
        && _scope?.Context.GetEndpoint()?.Metadata.GetMetadata<ReadOnlySessionAttribute>() is null;

    /// <summary>Ends this request's turn on the session, so that the next request of the session loads.</summary>
    private Task EndTurnAsync()
    {
        if (_turn is not { } turn)
        {
            return Task.CompletedTask;
        }

        _turn = null;
        return turn.EndAsync();
    }

    /// <summary>
    /// Runs one store call within <c>SessionOptions.IOTimeout</c>: the store gets a token cancelled at the deadline, and
    /// the request stops waiting at the deadline even if the store ignores it. Transient failures go to the outage log
    /// (one error per incident, not one per request).
    /// </summary>
    private async Task<T> WithIoTimeout<T>(Func<StoreBackedSession, CancellationToken, Task<T>> operation, string what, CancellationToken cancellationToken)
    {
        try
        {
            T result;
            if (_ioTimeout == Timeout.InfiniteTimeSpan)
            {
                result = await operation(this, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_ioTimeout);
                var call = operation(this, timeout.Token);
                try
                {
                    result = await call.WaitAsync(_ioTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
                {
                    // The store ignored its token: the call is abandoned, and its eventual failure observed here.
                    _ = call.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    throw new SessionStoreException($"Timed out {what} the session after {_ioTimeout} (SessionOptions.IOTimeout).", ex, isTransient: true);
                }
            }

            _settings.Outage.Succeeded();
            return result;
        }
        catch (SessionStoreException ex) when (ex.IsTransient && ex is not SessionCommitConflictException)
        {
            _settings.Outage.Failed(ex);
            throw;
        }
    }
}
