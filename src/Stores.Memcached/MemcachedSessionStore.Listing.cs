using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Memcached;

// Listing, counting and destroying many: memcached cannot enumerate its keys (there is no scan a client can rely on:
// items are spread over servers and may be evicted at any time), and a subject index would be one more item that
// eviction can drop. So these operations are refused, after the same argument checks as every store's.
public sealed partial class MemcachedSessionStore
{
    private const string CannotList =
        "The Memcached session store cannot list, count or destroy sessions by query: memcached cannot enumerate its keys, " +
        "so neither all sessions nor a subject's sessions can be found. Use a store that can (Redis, PostgreSQL, ...) " +
        "where \"sign out everywhere\" is needed.";

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">Always, after the query is checked: memcached cannot enumerate keys.</exception>
    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        throw new NotSupportedException(CannotList);
    }

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">Always, after the query is checked: memcached cannot enumerate keys.</exception>
    public Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        throw new NotSupportedException(CannotList);
    }

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">Always, after the query is checked: memcached cannot enumerate keys.</exception>
    public Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateQuery(query);
        throw new NotSupportedException(CannotList);
    }
}
