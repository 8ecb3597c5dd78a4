using System;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionStores;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="NearCachedSessionStore"/> around the registered store.</summary>
public static class SessionStoreNearCacheServiceCollectionExtensions
{
    /// <summary>
    /// Puts a near cache (<see cref="NearCachedSessionStore"/>) in front of the registered <see cref="ISessionStore"/>,
    /// which must have an invalidation feed (<see cref="ISessionInvalidationSource"/>: the Redis and PostgreSQL stores).
    /// </summary>
    /// <remarks>
    /// Call it right after the store's <c>Add…SessionStore</c> call (before other decorators such as
    /// <c>AddSessionStoreEncryption</c>, so the cache sits on the store itself): it wraps the registration it finds, and
    /// a store registered later replaces the cache. Options are validated at start (<c>ValidateOnStart</c>); a store
    /// without a feed fails at its first resolution, naming this method.
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options; <see langword="null"/> keeps the defaults.</param>
    /// <returns>The services, for chaining.</returns>
    /// <exception cref="InvalidOperationException">No <see cref="ISessionStore"/> is registered yet.</exception>
    public static IServiceCollection AddSessionStoreNearCache(this IServiceCollection services, Action<SessionStoreNearCacheOptions>? configure = null)
    {
        return services.DecorateSessionStore<SessionStoreNearCacheOptions, SessionStoreNearCacheOptionsValidator>(
            nameof(AddSessionStoreNearCache),
            "AddRedisSessionStore or AddPostgresSessionStore",
            configure,
            static (provider, store, options, ownsInner) =>
            {
                var feed = store as ISessionInvalidationSource ?? throw new InvalidOperationException(
                    $"AddSessionStoreNearCache needs a store with an invalidation feed (ISessionInvalidationSource), and {store.GetType().Name} has none: " +
                    "remove AddSessionStoreNearCache, or use the Redis or PostgreSQL store.");
                return NearCachedSessionStore.Create(
                    store,
                    feed,
                    options,
                    provider.GetService<ILogger<NearCachedSessionStore>>(),
                    provider.GetService<TimeProvider>(),
                    ownsInner);
            });
    }
}

/// <summary>Validates <see cref="SessionStoreNearCacheOptions"/> at start-up, with the rules the cache's constructor applies.</summary>
internal sealed class SessionStoreNearCacheOptionsValidator : IValidateOptions<SessionStoreNearCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, SessionStoreNearCacheOptions options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
