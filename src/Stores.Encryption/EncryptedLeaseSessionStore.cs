using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging;

namespace SessionStores.Encryption;

/// <summary>The decorator of a store that holds leases: leases pass through unchanged (they carry no session data).</summary>
internal sealed class EncryptedLeaseSessionStore : EncryptedSessionStore, ISessionLeaseStore
{
    private readonly ISessionLeaseStore _leases;

    public EncryptedLeaseSessionStore(
        ISessionStore inner, IDataProtectionProvider dataProtection, SessionStoreEncryptionOptions? options, ILogger<EncryptedSessionStore>? logger, bool disposeInner)
        : base(inner, dataProtection, options, logger, disposeInner)
    {
        _leases = (ISessionLeaseStore)inner;
    }

    public Task<SessionLease?> AcquireLeaseAsync(string id, TimeSpan duration, TimeSpan wait, CancellationToken cancellationToken = default) =>
        _leases.AcquireLeaseAsync(id, duration, wait, cancellationToken);

    public Task<bool> RenewLeaseAsync(SessionLease lease, TimeSpan duration, CancellationToken cancellationToken = default) =>
        _leases.RenewLeaseAsync(lease, duration, cancellationToken);

    public Task<bool> ReleaseLeaseAsync(SessionLease lease, CancellationToken cancellationToken = default) =>
        _leases.ReleaseLeaseAsync(lease, cancellationToken);
}
