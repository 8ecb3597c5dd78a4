using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// The key/value surface of <c>ISession</c> over <see cref="SessionValues"/>, shared by the store-backed session and the
/// cookie session of <c>SessionStores.Cookies</c>: each backend only decides when reading and writing are allowed
/// (<see cref="EnsureReadable"/>, <see cref="EnsureWritable"/>) and where the values come from and go to.
/// </summary>
internal abstract class ValueSession
{
    private protected readonly SessionValues _values = new();

    public IEnumerable<string> Keys
    {
        get
        {
            EnsureReadable();
            return _values.Keys;
        }
    }

    public string? Subject => _values.Subject;

    public bool TryGetValue(string key, [NotNullWhen(true)] out byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        EnsureReadable();
        return _values.TryGetValue(key, out value);
    }

    public void Set(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        SessionPayload.ValidateKey(key);
        EnsureWritable();
        _values.Set(key, value);
    }

    public void Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        EnsureWritable();
        _values.Remove(key);
    }

    public void Clear()
    {
        EnsureWritable();
        _values.Clear();
    }

    /// <summary>Binds the session to a subject (user id), or unbinds it with <see langword="null"/>.</summary>
    public void SetSubject(string? subject)
    {
        SessionValidation.ValidateSubject(subject);
        EnsureWritable();
        _values.SetSubject(subject);
    }

    /// <summary>Throws unless the session may be read now (loaded, or loadable without I/O).</summary>
    private protected abstract void EnsureReadable();

    /// <summary>Throws unless the session may be changed now.</summary>
    private protected abstract void EnsureWritable();
}
