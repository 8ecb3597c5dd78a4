using System;

namespace SessionStores.MySql.Internal;

/// <summary>
/// The commands the store sends to MySQL, written once for a namespace: statements, scripts, filters and the key
/// layout. The store's partials only run them.
/// </summary>
/// <remarks>TODO(store): one member per command, each answering in one round trip where the backend allows it (read
/// with the expiry compared on the server's clock, read-and-touch, upsert, create-only, compare-and-set, touch, destroy,
/// list a page, count, destroy a batch, prune a batch, create the schema).</remarks>
internal sealed class MySqlCommands
{
    /// <summary>Creates the commands of one namespace.</summary>
    /// <param name="namespace">The validated <see cref="MySqlSessionStoreOptions.Namespace"/>.</param>
    public MySqlCommands(string @namespace)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        Namespace = @namespace;
    }

    /// <summary>The namespace every command works in.</summary>
    public string Namespace { get; }

    /// <summary>Where the session <paramref name="id"/> lives (a key, a row's id).</summary>
    /// <param name="id">A validated session id.</param>
    /// <returns>Its key.</returns>
    public string Key(string id) => Namespace + ":" + id;
}
