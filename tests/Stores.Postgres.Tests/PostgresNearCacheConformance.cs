using System.Threading;
using System.Threading.Tasks;
using SessionStores.Conformance;

namespace SessionStores.Postgres.Tests;

// The shared suite with the near cache on: every rule of the contract holds through the cache (the LISTEN connection is
// in place before each test starts).
public sealed class PostgresNearCacheConformance(PostgresNearCacheFixture fixture) : SessionStoreConformanceTests<PostgresNearCacheFixture>(fixture);

/// <summary>PostgreSQL stores behind a near cache.</summary>
public sealed class PostgresNearCacheFixture : ISessionStoreFixture
{
    private readonly PostgresFixture _postgres = new();

    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        await NearCachedStores.WrapAsync(await _postgres.CreateStoreAsync(options, cancellationToken), cancellationToken);
}
