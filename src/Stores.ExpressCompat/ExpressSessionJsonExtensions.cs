using System;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SessionStores.ExpressCompat;

/// <summary>Typed access to session values as JSON, the form in which an Express session keeps every value
/// (<c>req.session.cart = {...}</c> on the Express side is <c>session.GetJson&lt;Cart&gt;("cart")</c> here).</summary>
public static class ExpressSessionJsonExtensions
{
    /// <summary>Reads the value under <paramref name="key"/> as <typeparamref name="T"/> with System.Text.Json.</summary>
    /// <typeparam name="T">The type to read.</typeparam>
    /// <param name="session">The session.</param>
    /// <param name="key">The key (the property of <c>req.session</c>).</param>
    /// <param name="options">Serializer options; <see langword="null"/> uses <see cref="JsonSerializerOptions.Web"/>
    /// (camelCase, as JavaScript code names its properties).</param>
    /// <returns>The value, or <see langword="default"/> when the key is absent.</returns>
    /// <exception cref="JsonException">The stored value does not fit <typeparamref name="T"/>.</exception>
    public static T? GetJson<T>(this ISession session, string key, JsonSerializerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.TryGetValue(key, out var json) ? JsonSerializer.Deserialize<T>(json, options ?? JsonSerializerOptions.Web) : default;
    }

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/> as JSON, which the Express app reads as
    /// <c>req.session[key]</c>.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="session">The session.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="options">Serializer options; <see langword="null"/> uses <see cref="JsonSerializerOptions.Web"/>.</param>
    public static void SetJson<T>(this ISession session, string key, T value, JsonSerializerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        session.Set(key, JsonSerializer.SerializeToUtf8Bytes(value, options ?? JsonSerializerOptions.Web));
    }
}
