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

    /// <summary>Runs one store call within <c>SessionOptions.IOTimeout</c>; see the overload with an argument.</summary>
    private ValueTask<T> WithIoTimeout<T>(Func<StoreBackedSession, CancellationToken, Task<T>> operation, string what, CancellationToken cancellationToken) =>
        WithIoTimeout(operation, static (s, operation, ct) => operation(s, ct), what, cancellationToken);

    /// <summary>
    /// Runs one store call with <paramref name="argument"/> within <c>SessionOptions.IOTimeout</c>, through the stores'
    /// own deadline mechanism (<see cref="SessionStoreOperationRunner"/>): the store gets a token cancelled at the
    /// deadline, and the request stops waiting then even if the store ignores it. Transient failures go to the outage log
    /// (one error per incident, not one per request). The argument travels as state, so that the callback captures
    /// nothing (no closure per call). A <see cref="ValueTask{TResult}"/>: a store that answers synchronously (in memory,
    /// a near-cache hit) costs no task here.
    /// </summary>
    private async ValueTask<T> WithIoTimeout<TArgument, T>(
        TArgument argument, Func<StoreBackedSession, TArgument, CancellationToken, Task<T>> operation, string what, CancellationToken cancellationToken)
    {
        try
        {
            var result = _settings.IoRunner is { } runner
                ? await runner.RunAsync(what, (Session: this, Argument: argument, Operation: operation), static (call, ct) => call.Operation(call.Session, call.Argument, ct), cancellationToken).ConfigureAwait(false)
                : await operation(this, argument, cancellationToken).ConfigureAwait(false);
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
