using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Encryption.Internal;

namespace SessionStores.Encryption;

public partial class EncryptedSessionStore
{
    /// <inheritdoc />
    /// <remarks>Sizes are the data's, not the sealed records'. With <see cref="SessionQuery.IncludeData"/>, a record that
    /// does not open is left out (and logged); without, records are not opened.</remarks>
    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        // The inner call validates the query now, at the call, as the contract asks; the wrapper only maps entries.
        OpenAllAsync(Inner.ListAsync(query, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        Inner.CountAsync(query, cancellationToken);

    /// <inheritdoc />
    public Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        Inner.DestroyManyAsync(query, cancellationToken);

    private async IAsyncEnumerable<SessionInfo> OpenAllAsync(IAsyncEnumerable<SessionInfo> listing, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var info in listing.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (info.Data is not { } stored)
            {
                yield return new SessionInfo(info.Id, info.Version, info.ExpiresAt, info.CreatedAt, info.Subject, SessionSealer.PlaintextLength(info.Size), null);
            }
            else if (Open(info.Id, stored) is { } data)
            {
                yield return new SessionInfo(info.Id, info.Version, info.ExpiresAt, info.CreatedAt, info.Subject, data.Length, data);
            }
        }
    }
}
