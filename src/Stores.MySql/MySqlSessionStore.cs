using System;
using System.Data;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using SessionStores.MySql.Internal;
using static SessionStores.MySql.Internal.MySqlCodec;

namespace SessionStores.MySql;

/// <summary>
/// A session store in a MySQL or MariaDB table (InnoDB), on MySqlConnector: durable, one round trip per operation, with
/// expiry decided by the server's clock to the millisecond. Works with MySQL 8 and MariaDB 10.6 or later.
/// </summary>
/// <remarks>
/// <para>Each operation is one round trip (a statement, or a statement pair sent as one command text), except a
/// create-only write that meets a live session (a second one reads its version) and
/// <see cref="DestroyManyAsync"/>, which deletes in statements of at most
/// <see cref="MySqlSessionStoreOptions.PruneBatchSize"/> rows. Expired rows are invisible to every operation at once; a
/// background pruner deletes them in batches, one instance at a time (a named lock, <c>GET_LOCK</c>).</para>
/// <para>The table is created on first use when missing (see <see cref="MySqlSessionStoreOptions.CreateSchemaIfMissing"/>),
/// or by a DBA with <see cref="GenerateSchemaScript"/>. Dispose the store to stop the pruner and, when it built one
/// from a connection string, close its connection pool.</para>
/// </remarks>
public sealed partial class MySqlSessionStore : ISessionStore, IAsyncDisposable, IDisposable
{
    private static readonly MySqlSessionStoreOptionsValidator Validator = new();

    private readonly ILogger _logger;
    private readonly SessionStoreOperationRunner _runner;
    private readonly MySqlCommands _commands;
    private readonly MySqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
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
        _commands = new MySqlCommands(options.TableName);
        _maxDataBytes = options.MaxDataBytes;
        if (options.DataSource is not null)
        {
            _dataSource = options.DataSource;
        }
        else
        {
            _dataSource = new MySqlDataSource(MySqlConnectionStrings.ForStore(options.ConnectionString!, options.OperationTimeout));
            _ownsDataSource = true;
        }

        _createSchema = options.CreateSchemaIfMissing;
        _schemaLockWaitSeconds = (uint)Math.Clamp(Math.Ceiling(options.OperationTimeout.TotalSeconds), 1, int.MaxValue);
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

    /// <summary>Stops the background pruner, waits for a pass under way to end and, when the store created it, closes
    /// its connection pool.</summary>
    /// <returns>A task that completes when the store is disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _pruneLoop.ConfigureAwait(false);
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Signals the background pruner to stop (without waiting for a pass under way to end) and, when the store
    /// created it, closes its connection pool. Prefer <see cref="DisposeAsync"/>.</summary>
    public void Dispose()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        if (_ownsDataSource)
        {
            _dataSource.Dispose();
        }
    }

    private async Task<SessionRecord?> GetCoreAsync(string id, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new MySqlCommand(_commands.Get, connection);
        Add(command, "@id", id);
        return await Live(connection, ReadRecordAsync(command, id, cancellationToken)).ConfigureAwait(false);
    }

    // The touch and the read are one command text: one round trip.
    private async Task<SessionRecord?> GetAndTouchCoreAsync(string id, TimeSpan ttl, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new MySqlCommand(_commands.GetAndTouch, connection);
        Add(command, "@id", id);
        Add(command, "@ttl", SessionValidation.ToMilliseconds(ttl));
        return await Live(connection, ReadRecordAsync(command, id, cancellationToken)).ConfigureAwait(false);
    }

    private async Task<SessionSetResult> SetCoreAsync(string id, SessionWrite write, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await Live(connection, write.ExpectedVersion switch
        {
            null => UpsertAsync(connection, id, write, cancellationToken),
            0 => CreateAsync(connection, id, write, cancellationToken),
            { } expected => CompareAndSetAsync(connection, id, write, expected, cancellationToken),
        }).ConfigureAwait(false);
    }

    private async Task<bool> TouchCoreAsync(string id, TimeSpan ttl, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new MySqlCommand(_commands.Touch, connection);
        Add(command, "@id", id);
        Add(command, "@ttl", SessionValidation.ToMilliseconds(ttl));
        var (touched, live) = await Live(connection, ReadCountAndVersionAsync(command, cancellationToken)).ConfigureAwait(false);
        if (touched == 0 && live is { } version)
        {
            // Matched but not touched: a corrupt row (reported), or one created since the touch looked (not touched).
            CheckVersion(id, version);
        }

        return touched > 0;
    }

    private async Task<bool> DestroyCoreAsync(string id, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new MySqlCommand(_commands.Destroy, connection);
        Add(command, "@id", id);
        return await Live(connection, command.ExecuteNonQueryAsync(cancellationToken)).ConfigureAwait(false) > 0;
    }

    private async Task<SessionSetResult> UpsertAsync(MySqlConnection connection, string id, SessionWrite write, CancellationToken cancellationToken)
    {
        using var command = new MySqlCommand(_commands.SetUnconditional, connection);
        AddWrite(command, id, write);
        var version = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return SessionSetResult.Success(Convert.ToInt64(version, CultureInfo.InvariantCulture));
    }

    // A duplicate key is the conflict: a live session holds the id. Its version is read on the same connection (a
    // second round trip, on the conflict path only).
    private async Task<SessionSetResult> CreateAsync(MySqlConnection connection, string id, SessionWrite write, CancellationToken cancellationToken)
    {
        using (var command = new MySqlCommand(_commands.SetCreateOnly, connection))
        {
            AddWrite(command, id, write);
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return SessionSetResult.Success(1);
            }
            catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
            {
                // The conflict; reported below with the live version.
            }
        }

        using var current = new MySqlCommand(_commands.CurrentVersion, connection);
        Add(current, "@id", id);
        var live = await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return SessionSetResult.Conflict(live is null or DBNull ? 0 : CheckVersion(id, Convert.ToInt64(live, CultureInfo.InvariantCulture)));
    }

    private async Task<SessionSetResult> CompareAndSetAsync(MySqlConnection connection, string id, SessionWrite write, long expected, CancellationToken cancellationToken)
    {
        using var command = new MySqlCommand(_commands.SetIfVersion, connection);
        AddWrite(command, id, write);
        Add(command, "@expected", expected);
        var (written, live) = await ReadCountAndVersionAsync(command, cancellationToken).ConfigureAwait(false);
        return written > 0 ? SessionSetResult.Success(expected + 1) : SessionSetResult.Conflict(live is { } version ? CheckVersion(id, version) : 0);
    }

    private async Task<MySqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    // What an operation does on its connection. When the server goes away meanwhile, MySqlConnector may throw
    // InvalidOperationException ("Connection must be Open; current state is Broken") from whatever touches the
    // connection next (disposing a reader drains its remaining results) in place of the network error; that is the lost
    // connection it is, so it is reported as one (an IOException: a transient failure), not as a bug (a 500).
    internal static async Task<T> Live<T>(MySqlConnection connection, Task<T> operation)
    {
        try
        {
            return await operation.ConfigureAwait(false);
        }
        catch (InvalidOperationException ex) when (connection.State == ConnectionState.Broken)
        {
            throw new IOException("The connection to the MySQL server broke during the operation.", ex);
        }
    }

    private static async Task<SessionRecord?> ReadRecordAsync(MySqlCommand command, string id, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRecord(reader, id) : null;
    }

    // The row of "SELECT ROW_COUNT(), (SELECT version …)" that ends a statement pair.
    private static async Task<(long Count, long? Version)> ReadCountAndVersionAsync(MySqlCommand command, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1));
    }
}
