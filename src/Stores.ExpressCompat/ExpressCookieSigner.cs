using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace SessionStores.ExpressCompat;

/// <summary>
/// Signs and verifies express-session's cookie value: <c>s:</c> + session id + <c>.</c> + the HMAC-SHA256 of the id
/// keyed with a secret, in standard base64 without its <c>=</c> padding (the format of the npm package
/// <c>cookie-signature</c>). The first secret signs; every secret verifies, which is how express-session rotates secrets.
/// </summary>
/// <remarks>The value handled here is the cookie's <em>decoded</em> value; on the wire express URL-encodes it
/// (<c>s%3A…</c>), which <see cref="ExpressSessionOptions"/>' cookie handling takes care of.</remarks>
public sealed class ExpressCookieSigner
{
    private const string Prefix = "s:";
    private readonly byte[][] _keys;

    /// <summary>Creates a signer.</summary>
    /// <param name="secrets">The secrets, newest first: the first signs, all verify. At least one; none empty.</param>
    /// <exception cref="ArgumentException">No secret, or an empty one.</exception>
    public ExpressCookieSigner(IReadOnlyList<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (secrets.Count == 0)
        {
            throw new ArgumentException("At least one secret is needed: the first signs, all verify (as express-session's 'secret' array).", nameof(secrets));
        }

        _keys = new byte[secrets.Count][];
        for (var i = 0; i < secrets.Count; i++)
        {
            if (string.IsNullOrEmpty(secrets[i]))
            {
                throw new ArgumentException($"Secret {i} is null or empty.", nameof(secrets));
            }

            _keys[i] = Encoding.UTF8.GetBytes(secrets[i]);
        }
    }

    /// <summary>The signed cookie value for <paramref name="sessionId"/>, signed with the first secret.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <returns><c>s:</c> + id + <c>.</c> + signature (not yet URL-encoded).</returns>
    public string Sign(string sessionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        return Prefix + sessionId + "." + Signature(_keys[0], sessionId);
    }

    /// <summary>Verifies a signed cookie value against every secret, in constant time per secret.</summary>
    /// <param name="cookieValue">The decoded cookie value (<c>s:…</c>).</param>
    /// <param name="sessionId">The session id, when a secret verified it.</param>
    /// <returns><see langword="true"/> when the value is signed and one of the secrets verifies it; a value that is not
    /// signed, or signed with a secret no longer listed, is <see langword="false"/> (express treats it as no cookie).</returns>
    public bool TryUnsign(string? cookieValue, [NotNullWhen(true)] out string? sessionId)
    {
        sessionId = null;
        if (cookieValue is null || !cookieValue.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var signed = cookieValue.AsSpan(Prefix.Length);
        var dot = signed.LastIndexOf('.');
        if (dot <= 0)
        {
            return false;
        }

        var id = signed[..dot].ToString();
        var given = Encoding.UTF8.GetBytes(signed[(dot + 1)..].ToString());
        var found = false;
        foreach (var key in _keys)
        {
            // Every secret is tried, match or not, so the time taken does not tell which one (if any) matched.
            found |= CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(Signature(key, id)), given);
        }

        if (found)
        {
            sessionId = id;
        }

        return found;
    }

    private static string Signature(byte[] key, string value) =>
        Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(value))).TrimEnd('=');
}
