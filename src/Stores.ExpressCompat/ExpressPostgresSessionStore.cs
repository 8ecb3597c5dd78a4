using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Npgsql;
using SessionStores.ExpressCompat.Internal;
using SessionStores.Postgres.Internal;

namespace SessionStores.ExpressCompat;

/// <summary>
/// The connect-pg-simple storage format as a session store: one row per session in its table (<c>session</c> by
/// default: <c>sid</c>, <c>sess</c> json, <c>expire</c> timestamp(6)), the session JSON exactly as express-session
/// serializes it, and the expiry in whole seconds, decided by the server's clock.
/// </summary>
/// <remarks>
/// The <c>sess</c> column is <c>json</c>, so data must be UTF-8 JSON (an <see cref="ArgumentException"/> before any I/O
/// otherwise); the text is kept as written. Expired rows are not deleted here (connect-pg-simple's own prune timer, or
/// a job, does it); they are absent for every operation. What the format cannot hold is described on
/// <see cref="ExpressSessionFormatStore"/>.
/// </remarks>
public sealed class ExpressPostgresSessionStore : ExpressSessionFormatStore, IAsyncDisposable
{
    private readonly ExpressPostgresSessionStoreOptions _options;
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly ExpressPostgresCommands _sql;
    private readonly SessionStoreInitializer _schema;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The options.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message names every invalid one.</exception>
    public ExpressPostgresSessionStore(ExpressPostgresSessionStoreOptions options, ILogger<ExpressPostgresSessionStore>? logger = null)
        : base(new PostgresBackend("PostgreSQL (connect-pg-simple format)"), Validated(options), logger)
    {
        _options = options;
        _ownsDataSource = options.DataSource is null;
        _dataSource = options.DataSource ?? NpgsqlDataSource.Create(PostgresTimeouts.Apply(options.ConnectionString!, options.OperationTimeout));
        _sql = new ExpressPostgresCommands(options.SchemaName, options.TableName);
        _schema = new SessionStoreInitializer(CreateSchemaAsync);
    }

    /// <inheritdoc />
    public override TimeSpan? TimeToLive(ExpressSessionCookie cookie, DateTimeOffset now) => CookieOrStoreTtl(cookie, now, _options.Ttl);

    /// <summary>Disposes the data source when the store created it.</summary>
    /// <returns>A task that completes when it is disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    private protected override void ValidateData(ReadOnlyMemory<byte> data)
    {
        try
        {
            using var _ = JsonDocument.Parse(data);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException("connect-pg-simple keeps a session in a json column: its data must be UTF-8 JSON.", nameof(data), ex);
        }
    }

    private protected override Task<SessionRecord?> GetCoreAsync(string id, CancellationToken cancellationToken) =>
        ReadAsync(_sql.Get, id, null, cancellationToken);

    private protected override Task<SessionRecord?> GetAndTouchCoreAsync(string id, long ttlMs, CancellationToken cancellationToken) =>
        ReadAsync(_sql.GetAndTouch, id, ttlMs, cancellationToken);

    private protected override async Task SetCoreAsync(string id, ReadOnlyMemory<byte> data, long ttlMs, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(_sql.Set, id, ttlMs);
        command.Parameters.AddWithValue(Encoding.UTF8.GetString(data.Span));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private protected override async Task<bool> TouchCoreAsync(string id, long ttlMs, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(_sql.Touch, id, ttlMs);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    private protected override async Task<bool> DestroyCoreAsync(string id, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(_sql.Destroy, id, null);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    private protected override async IAsyncEnumerable<string> ListIdsCoreAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        using var command = _dataSource.CreateCommand(_sql.ListIds);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return reader.GetString(0);
            }
        }
    }

    private static ExpressPostgresSessionStoreOptions Validated(ExpressPostgresSessionStoreOptions options)
    {
        ExpressPostgresSessionStoreOptionsValidator.Instance.ThrowIfInvalid(options, nameof(options));
        return options;
    }

    private async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        if (_options.CreateSchemaIfMissing)
        {
            using var command = _dataSource.CreateCommand(_sql.CreateSchema);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private NpgsqlCommand Command(string sql, string id, long? ttlMs)
    {
        var command = _dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue(id);
        if (ttlMs is { } ms)
        {
            command.Parameters.AddWithValue(ms / 1000.0);
        }

        return command;
    }

    private async Task<SessionRecord?> ReadAsync(string sql, string id, long? ttlMs, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(sql, id, ttlMs);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var data = Encoding.UTF8.GetBytes(reader.GetString(0));
            return new SessionRecord(id, data, 1, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), DateTimeOffset.UnixEpoch, null);
        }
    }
}
