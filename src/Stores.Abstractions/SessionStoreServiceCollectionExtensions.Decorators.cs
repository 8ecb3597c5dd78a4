using System;
using System.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SessionStores;

public static partial class SessionStoreServiceCollectionExtensions
{
    /// <summary>
    /// Wraps the registered <see cref="ISessionStore"/> in a decorator (a near cache, encryption, …): the decorator's
    /// options configured by <paramref name="configure"/> and validated by <typeparamref name="TValidator"/> at start-up,
    /// and the registration found replaced by one that creates the decorator around it, with the same lifetime.
    /// </summary>
    /// <remarks>The decorator wraps the registration it finds, so a store registered after this call replaces it. A store
    /// registered by type is created for the decorator and owned by it (<c>ownsInner</c> is <see langword="true"/>); a
    /// factory's or an instance's store stays with its owner (<see cref="AddSessionStore{TStore, TOptions, TValidator}"/>'s
    /// factory forwards to the concrete store, which the container disposes).</remarks>
    /// <typeparam name="TOptions">The decorator's options.</typeparam>
    /// <typeparam name="TValidator">Their validator.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="method">The public method registering the decorator, named in the error when no store is registered.</param>
    /// <param name="storeCalls">Which <c>Add…SessionStore</c> calls fit, for the same error.</param>
    /// <param name="configure">Sets the options; <see langword="null"/> keeps the defaults.</param>
    /// <param name="decorate">Creates the decorator: services, inner store, validated options, whether it owns the inner store.</param>
    /// <returns>The services, for chaining.</returns>
    /// <exception cref="InvalidOperationException">No <see cref="ISessionStore"/> is registered yet.</exception>
    public static IServiceCollection DecorateSessionStore<TOptions, TValidator>(
        this IServiceCollection services,
        string method,
        string storeCalls,
        Action<TOptions>? configure,
        Func<IServiceProvider, ISessionStore, TOptions, bool, ISessionStore> decorate)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentException.ThrowIfNullOrWhiteSpace(storeCalls);
        ArgumentNullException.ThrowIfNull(decorate);
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(ISessionStore) && !d.IsKeyedService)
            ?? throw new InvalidOperationException(
                $"{method} wraps the registered ISessionStore, but none is registered yet: call {storeCalls} before it.");

        var options = services.AddOptions<TOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());

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
            provider => decorate(provider, (ISessionStore)inner(provider), provider.GetRequiredService<IOptions<TOptions>>().Value, ownsInner),
            registered.Lifetime));
        return services;
    }
}
