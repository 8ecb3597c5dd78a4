using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SessionStores.MySql.Internal;

namespace SessionStores.MySql;

/// <summary>
/// A session store in MySQL.
/// </summary>
/// <remarks>
/// TODO(store): what the store keeps where (the session, its expiry on the server's clock, the subject index), the
/// server versions it works with, and its round trips per operation.
/// </remarks>
public sealed partial class MySqlSessionStore : ISessionStore, IAsyncDisposable, IDisposable
{
    private static readonly MySqlSessionStoreOptionsValidator Validator = new();

    private readonly ILogger _logger;
    private readonly SessionStoreOperationRunner _runner;
    private readonly MySqlCommands _commands;
    private readonly int _maxDataBytes;

    /// <summary>Creates a store. With <see cref="MySqlSessionStoreOptions.EnablePruning"/> it starts the background
    /// pruner, which disposing the store stops. Nothing is sent to MySQL before the first operation.</summary>
    /// <param name="options">The options.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names every invalid one.</exception>
    public MySqlSessionStore(MySqlSessionStoreOptions options, ILogger<MySqlSessionStore>? logger = null)
    {
        Validator.ThrowIfInvalid(options, nameof(options));
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _runner = new SessionStoreOperationRunner(MySqlBackend.Instance, options.OperationTimeout, _logger);
        _commands = new MySqlCommands(options.Namespace);
        _maxDataBytes = options.MaxDataBytes;

        // TODO(store): create the driver's client from options.ConnectionString (lazily connecting, or connect in
        // the schema initializer), and dispose it in DisposeAsync.
        _createSchema = options.CreateSchemaIfMissing;
        _pruneBatchSize = options.PruneBatchSize;
        _schema = new SessionStoreInitializer(CreateSchemaAsync);
        _pruneLoop = options.EnablePruning ? PruneLoopAsync(options.PruneInterval, _stopping.Token) : Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return _runner.RunAsync(SessionStoreOperationNames.Get, (Store: this, Id: id), static (s, ct) => s.Store.GetCoreAsync(s.Id, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        return _runner.RunAsync(
            SessionStoreOperationNames.GetAndTouch, (Store: this, Id: id, Ttl: ttl), static (s, ct) => s.Store.GetAndTouchCoreAsync(s.Id, s.Ttl, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateWrite(write, _maxDataBytes);
        return _runner.RunAsync(
            SessionStoreOperationNames.Set, (Store: this, Id: id, Write: write), static (s, ct) => s.Store.SetCoreAsync(s.Id, s.Write, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        return _runner.RunAsync(
            SessionStoreOperationNames.Touch, (Store: this, Id: id, Ttl: ttl), static (s, ct) => s.Store.TouchCoreAsync(s.Id, s.Ttl, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return _runner.RunAsync(SessionStoreOperationNames.Destroy, (Store: this, Id: id), static (s, ct) => s.Store.DestroyCoreAsync(s.Id, ct), cancellationToken);
    }

    /// <summary>Stops the background pruner and waits for a pass under way to end.</summary>
    /// <returns>A task that completes when the store is disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        await _pruneLoop.ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>Signals the background pruner to stop, without waiting for a pass under way to end.</summary>
    public void Dispose()
    {
        if (!_stopping.IsCancellationRequested)
        {
            _stopping.Cancel();
        }

        // TODO(store): dispose the driver's client.
    }

    private async Task<SessionRecord?> GetCoreAsync(string id, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);

        // TODO(store): one round trip: the live record at _commands.Key(id) (expired on the server's clock is absent:
        // null), read back with MySqlCodec.Decode.
        throw new NotImplementedException($"TODO(store): {nameof(GetCoreAsync)} of {_commands.Key(SessionValidation.Tag(id))}");
    }

    private async Task<SessionRecord?> GetAndTouchCoreAsync(string id, TimeSpan ttl, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);

        // TODO(store): one round trip: read the live record and move its expiry to now + ttl (milliseconds:
        // SessionValidation.ToMilliseconds); data and version unchanged; absent or expired is null and creates nothing.
        throw new NotImplementedException($"TODO(store): {nameof(GetAndTouchCoreAsync)} of {_commands.Key(SessionValidation.Tag(id))} for {ttl}");
    }

    private async Task<SessionSetResult> SetCoreAsync(string id, SessionWrite write, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);

        // TODO(store): one atomic write: ExpectedVersion null upserts (version + 1, or 1 for an absent or expired
        // session), 0 creates only, n writes only when the live version is n; a conflict returns
        // SessionSetResult.Conflict(live version, 0 when absent), a success SessionSetResult.Success(new version).
        throw new NotImplementedException($"TODO(store): {nameof(SetCoreAsync)} of {_commands.Key(SessionValidation.Tag(id))}, {write.Data.Length} bytes");
    }

    private async Task<bool> TouchCoreAsync(string id, TimeSpan ttl, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);

        // TODO(store): move a live session's expiry to now + ttl, without rewriting data or version; an absent or
        // expired session is false and is not resurrected.
        throw new NotImplementedException($"TODO(store): {nameof(TouchCoreAsync)} of {_commands.Key(SessionValidation.Tag(id))} for {ttl}");
    }

    private async Task<bool> DestroyCoreAsync(string id, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);

        // TODO(store): delete the session; true only when a live one was deleted.
        throw new NotImplementedException($"TODO(store): {nameof(DestroyCoreAsync)} of {_commands.Key(SessionValidation.Tag(id))}");
    }
}
