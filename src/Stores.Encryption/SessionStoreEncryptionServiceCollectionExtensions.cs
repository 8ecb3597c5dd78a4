using System;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionStores;
using SessionStores.Encryption;
using SessionStores.Encryption.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="EncryptedSessionStore"/> around the registered store.</summary>
public static class SessionStoreEncryptionServiceCollectionExtensions
{
    /// <summary>
    /// Decorates the registered <see cref="ISessionStore"/> with <see cref="EncryptedSessionStore"/>: session data are
    /// sealed with ASP.NET Core Data Protection (added here when not added yet; configure its key ring with
    /// <c>services.AddDataProtection()</c> as for the rest of the application).
    /// </summary>
    /// <remarks>
    /// Call it once, after the store's <c>Add…SessionStore</c> call: it wraps the registration it finds, and a store
    /// registered later replaces the decorator. The concrete store type (for example <c>RedisSessionStore</c>) stays
    /// resolvable and sees the sealed records. Options are validated at start (<c>ValidateOnStart</c>).
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options; <see langword="null"/> keeps the defaults.</param>
    /// <returns>The services, for chaining.</returns>
    /// <exception cref="InvalidOperationException">No <see cref="ISessionStore"/> is registered yet.</exception>
    public static IServiceCollection AddSessionStoreEncryption(this IServiceCollection services, Action<SessionStoreEncryptionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddDataProtection();
        return services.DecorateSessionStore<SessionStoreEncryptionOptions, SessionStoreEncryptionOptionsValidator>(
            nameof(AddSessionStoreEncryption),
            "one of the Add…SessionStore methods (AddRedisSessionStore, AddPostgresSessionStore, AddFileSessionStore, …)",
            configure,
            static (provider, store, options, ownsInner) => EncryptedSessionStore.Create(
                store,
                provider.GetRequiredService<IDataProtectionProvider>(),
                options,
                provider.GetService<ILogger<EncryptedSessionStore>>(),
                ownsInner));
    }
}
