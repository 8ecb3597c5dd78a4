using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.MySql;

// What the backend needs first and over time: the schema, created once before the first operation (and tried again
// after a failure), and the pruning of expired sessions, in batches, in the background.
public sealed partial class MySqlSessionStore
{
    private readonly bool _createSchema;
    private readonly int _pruneBatchSize;
    private readonly SessionStoreInitializer _schema;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _pruneLoop;

    /// <summary>Creates what the store needs in MySQL when it is missing (with
    /// <see cref="MySqlSessionStoreOptions.CreateSchemaIfMissing"/>); the first operation does it otherwise. Call it
    /// at start-up to fail there rather than on the first request.</summary>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <returns>A task that completes when the schema is ready.</returns>
    /// <exception cref="SessionStoreException">MySQL failed.</exception>
    public Task EnsureSchemaAsync(CancellationToken cancellationToken = default) =>
        _runner.RunAsync(SessionStoreOperationNames.CreateSchema, _schema, static (schema, ct) => schema.EnsureAsync(ct), cancellationToken);

    /// <summary>
    /// Runs one pruning pass now (the background pruner runs one every <see cref="MySqlSessionStoreOptions.PruneInterval"/>):
    /// deletes expired sessions in batches of at most <see cref="MySqlSessionStoreOptions.PruneBatchSize"/>, each
    /// within <see cref="SessionStoreOptions.OperationTimeout"/>, until none is left. Expired sessions are absent whether
    /// pruned or not; pruning only reclaims space.
    /// </summary>
    /// <param name="cancellationToken">Stops the pass; the batches already done stay done.</param>
    /// <returns>What the pass deleted.</returns>
    /// <exception cref="SessionStoreException">MySQL failed.</exception>
    public Task<MySqlPruneResult> PruneAsync(CancellationToken cancellationToken = default) =>
        _runner.RunStepsAsync(SessionStoreOperationNames.Prune, this, static (store, deadline) => store.PruneBatchesAsync(deadline), cancellationToken);

    private async Task<MySqlPruneResult> PruneBatchesAsync(SessionStoreDeadline deadline)
    {
        long deleted = 0;
        var batches = 0;
        long batch;
        do
        {
            deadline.Restart();
            batch = await deadline.WaitAsync(PruneBatchCoreAsync(deadline.Token)).ConfigureAwait(false);
            deleted += batch;
            batches++;
        }
        while (batch == _pruneBatchSize);
        return new MySqlPruneResult(deleted, batches);
    }

    private async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        if (_createSchema)
        {
            await CreateSchemaCoreAsync(cancellationToken).ConfigureAwait(false);
            Log.SchemaReady(_logger, _commands.Namespace);
        }
    }

    private Task CreateSchemaCoreAsync(CancellationToken cancellationToken) =>
        // TODO(store): create what is missing (tables, indexes) with _commands, idempotently and safely when several
        // instances start at once. A backend without a schema connects here, or drops this and CreateSchemaIfMissing.
        throw new NotImplementedException($"TODO(store): {nameof(CreateSchemaCoreAsync)} of {_commands.Namespace}, {cancellationToken.CanBeCanceled}");

    /// <summary>Deletes up to <see cref="MySqlSessionStoreOptions.PruneBatchSize"/> expired sessions.</summary>
    /// <returns>How many were deleted.</returns>
    private async Task<long> PruneBatchCoreAsync(CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);

        // TODO(store): one batch of expired sessions (on the server's clock), never a live one; a backend that expires
        // sessions by itself (a TTL) drops pruning altogether: this partial, the options and MySqlPruneResult.
        throw new NotImplementedException($"TODO(store): {nameof(PruneBatchCoreAsync)} of {_commands.Namespace}, {_pruneBatchSize} at a time");
    }

    private async Task PruneLoopAsync(TimeSpan interval, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    var result = await PruneAsync(stopping).ConfigureAwait(false);
                    Log.Pruned(_logger, result.Deleted, result.Batches);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    // Background work has no caller to throw to: log, and the next interval tries again.
                    Log.PruneFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed: the loop ends.
        }
    }
}
