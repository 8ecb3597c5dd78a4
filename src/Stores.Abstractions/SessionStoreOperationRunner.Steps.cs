using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores;

public sealed partial class SessionStoreOperationRunner
{
    /// <summary>
    /// Runs a listing with a deadline on each step, not on the whole: every <c>MoveNextAsync</c> of
    /// <paramref name="source"/> (a page fetch, or an item of a page already read) must answer within the timeout; the
    /// time the consumer spends between items does not count.
    /// </summary>
    /// <typeparam name="TState">What <paramref name="source"/> needs.</typeparam>
    /// <typeparam name="T">The item.</typeparam>
    /// <param name="operation">The operation: a <see cref="SessionStoreOperationNames"/> constant.</param>
    /// <param name="state">Passed to <paramref name="source"/>.</param>
    /// <param name="source">The listing; give its token to every call that may wait.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The items of <paramref name="source"/>.</returns>
    public async IAsyncEnumerable<T> ListAsync<TState, T>(
        string operation, TState state, Func<TState, CancellationToken, IAsyncEnumerable<T>> source,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        cancellationToken.ThrowIfCancellationRequested();
        using var deadline = Start(operation, cancellationToken);
        var enumerator = source(state, deadline.Token).GetAsyncEnumerator(deadline.Token);
        var abandoned = false;
        try
        {
            while (true)
            {
                deadline.Restart();
                var next = enumerator.MoveNextAsync();
                bool more;
                try
                {
                    more = next.IsCompletedSuccessfully ? next.Result : await deadline.WaitAsync(next.AsTask()).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    abandoned = !next.IsCompleted;
                    throw deadline.ToThrow(ex);
                }

                if (!more)
                {
                    yield break;
                }

                deadline.Suspend();
                yield return enumerator.Current;
            }
        }
        finally
        {
            // An enumerator whose MoveNextAsync is still running must not be disposed under it (undefined for iterators):
            // it is left to end by itself, observed by the deadline.
            if (!abandoned)
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Starts a deadline for an operation made of steps (pages, batches) that the caller drives itself: call
    /// <see cref="SessionStoreDeadline.Restart"/> as each step begins, give <see cref="SessionStoreDeadline.Token"/> to
    /// every call that may wait (or wait through <see cref="SessionStoreDeadline.WaitAsync{T}"/>), and map failures with
    /// <see cref="SessionStoreDeadline.ToThrow"/>.
    /// </summary>
    /// <param name="operation">The operation: a <see cref="SessionStoreOperationNames"/> constant.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The deadline, already running; dispose it when the operation ends.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> is already cancelled.</exception>
    public SessionStoreDeadline Start(string operation, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new(this, operation, StartTelemetry(operation), StartDeadline(cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Runs an operation made of steps (pages, batches) that its body drives: the body gets the running deadline (see
    /// <see cref="Start"/>), restarts it as each step begins and gives its token to every call that may wait; whatever
    /// the body throws is mapped by the runner's rule (<see cref="SessionStoreDeadline.ToThrow"/>).
    /// </summary>
    /// <typeparam name="TState">What <paramref name="body"/> needs (the store, the arguments).</typeparam>
    /// <typeparam name="TResult">The operation's result.</typeparam>
    /// <param name="operation">The operation: a <see cref="SessionStoreOperationNames"/> constant.</param>
    /// <param name="state">Passed to <paramref name="body"/>.</param>
    /// <param name="body">The steps.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The result of <paramref name="body"/>.</returns>
    public async Task<TResult> RunStepsAsync<TState, TResult>(
        string operation, TState state, Func<TState, SessionStoreDeadline, Task<TResult>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var deadline = Start(operation, cancellationToken);
        try
        {
            return await body(state, deadline).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw deadline.ToThrow(ex);
        }
    }
}
