using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Postgres.Internal;

namespace SessionStores.Postgres;

/// <summary>The store's invalidation feed, for a near cache (<c>AddSessionStoreNearCache</c>).</summary>
/// <remarks>
/// Committed writes and destroys NOTIFY <c>id:version</c>, batched (see
/// <see cref="PostgresSessionStoreOptions.PublishInvalidations"/> and Internal/PostgresAnnouncer.cs); each subscription LISTENs on a connection of its
/// own, held out of the pool until disposed, probed when idle every <see cref="FeedProbe"/> (a probe that fails, or any
/// error, loses the feed), and re-established with a jittered backoff: LISTEN first, then the cache flushes and resumes.
/// </remarks>
public sealed partial class PostgresSessionStore : ISessionInvalidationSource
{
    private static readonly TimeSpan FeedProbe = TimeSpan.FromSeconds(2);

    // Sends the announcements of committed writes, batched (null with PublishInvalidations off).
    private readonly PostgresAnnouncer? _announcer;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException"><see cref="PostgresSessionStoreOptions.PublishInvalidations"/> is off.</exception>
    public Task<IAsyncDisposable> SubscribeInvalidationsAsync(ISessionInvalidationListener listener, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        if (!_announce)
        {
            throw new InvalidOperationException(
                "A near cache needs PostgresSessionStoreOptions.PublishInvalidations on (in every process that writes the table).");
        }

        var subscription = new Subscription(CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token));
        var listening = new PostgresListener(
            _dedicatedDataSource,
            _commands.ListenForInvalidations,
            FeedProbe,
            listener.OnFeedRestored,
            payload => Announced(listener, payload),
            (backoff, ex) => listener.OnFeedLost($"the LISTEN connection failed; reconnecting in {backoff.TotalMilliseconds:0} ms", ex),
            subscription.Stopping.Token);
        subscription.Listener = listening;
        listening.EnsureStarted();
        return Task.FromResult<IAsyncDisposable>(subscription);
    }

    private static void Announced(ISessionInvalidationListener listener, string payload)
    {
        if (payload == PostgresCommands.AllChanged)
        {
            listener.OnAllChanged();
        }
        else if (payload.LastIndexOf(':') is var colon and > 0
            && SessionValidation.IsValidId(payload.AsSpan(0, colon))
            && long.TryParse(payload.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            listener.OnChanged(payload[..colon], version);
        }
    }

    // A write that failed may still have committed (a timeout, a connection lost after the commit): tells caches the
    // session's version is unknown (0 drops their entry), which is always safe. The caller rethrows.
    private void AnnounceUnknown(string id) => _announcer?.Announce(id, 0);

    private async Task AnnounceAllChangedAsync(CancellationToken cancellationToken)
    {
        if (_announce)
        {
            await _runner.RunAsync(SessionStoreOperationNames.DestroyMany, this, static async (s, ct) =>
            {
                var command = s._dataSource.CreateCommand(s._commands.AnnounceAllChanged);
                await using var commandScope = command.ConfigureAwait(false);
                return await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AnnounceAllChangedAfterFailureAsync()
    {
        try
        {
            await AnnounceAllChangedAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The bulk delete's own failure is what the caller gets; this one is logged.
            Log.AnnounceFailed(_logger, _commands.Table, ex);
        }
    }

    /// <summary>One LISTENing connection; disposing it stops the loop and waits for the connection to close.</summary>
    private sealed class Subscription(CancellationTokenSource stopping) : IAsyncDisposable, IDisposable
    {
        public CancellationTokenSource Stopping { get; } = stopping;

        public PostgresListener? Listener { get; set; }

        public async ValueTask DisposeAsync()
        {
            await Stopping.CancelAsync().ConfigureAwait(false);
            if (Listener?.Running is { } running)
            {
                await running.ConfigureAwait(false);
            }

            Stopping.Dispose();
        }

        public void Dispose() => Stopping.Cancel();
    }
}
