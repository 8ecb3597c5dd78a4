using System;
using System.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(ISessionStore) && !d.IsKeyedService)
            ?? throw new InvalidOperationException(
                "AddSessionStoreEncryption decorates the registered ISessionStore, but none is registered yet: call one of the " +
                "Add…SessionStore methods (AddRedisSessionStore, AddPostgresSessionStore, AddFileSessionStore, …) before it.");

        services.AddDataProtection();
        var options = services.AddOptions<SessionStoreEncryptionOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SessionStoreEncryptionOptions>, SessionStoreEncryptionOptionsValidator>());

        // A store registered by type is created here and owned by the decorator; a factory's or an instance's store stays
        // with its owner (AddSessionStore's factory forwards to the concrete store, which the container disposes).
        var ownsInner = registered.ImplementationType is not null;
        Func<IServiceProvider, object> inner = registered switch
        {
            { ImplementationInstance: { } instance } => _ => instance,
            { ImplementationFactory: { } factory } => factory,
            _ => provider => ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!),
        };

        services.Remove(registered);
        services.Add(ServiceDescriptor.Describe(
            typeof(ISessionStore),
            provider => EncryptedSessionStore.Create(
                (ISessionStore)inner(provider),
                provider.GetRequiredService<IDataProtectionProvider>(),
                provider.GetRequiredService<IOptions<SessionStoreEncryptionOptions>>().Value,
                provider.GetService<ILogger<EncryptedSessionStore>>(),
                ownsInner),
            registered.Lifetime));
        return services;
    }
}
