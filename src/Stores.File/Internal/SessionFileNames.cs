using System;
using System.Security.Cryptography;
using System.Text;

namespace SessionStores.File.Internal;

/// <summary>
/// Maps ids and subjects to file names. Every name is built from a fixed alphabet with a fixed prefix and suffix, so
/// no id can be <c>.</c>, <c>..</c>, a device name (<c>CON</c>, <c>NUL</c>), contain a separator, or alias another
/// id on a case-insensitive file system.
/// </summary>
/// <remarks>
/// An id becomes <c>s_</c> + the id with each upper-case letter written as <c>+</c> + its lower-case form +
/// <c>.session</c> (<c>AbC</c> → <c>s_+ab+c.session</c>, <c>_ab</c> → <c>s__ab.session</c>): readable, reversible, and
/// distinct on Windows and macOS too, because a name never holds an upper-case letter. <c>+</c> is not an id character
/// (ids are <c>[A-Za-z0-9._~-]</c>), so the escape is unambiguous and the mapping injective; every other id character
/// stands for itself. <c>+</c> is a plain file-name character on every common file system. The 8-letter suffix also
/// keeps every name from being a valid 8.3 name, so Windows short names can never alias one. Ids whose escaped form
/// would be longer than <see cref="MaxEscapedLength"/> (file systems allow 255 bytes) are named <c>h_</c> + SHA-256 of
/// the id in hex + <c>.session</c> instead. Either way the file also holds the id, and reads check it.
/// </remarks>
internal static class SessionFileNames
{
    public const string Suffix = ".session";

    /// <summary>The suffix of a write in progress in <c>tmp/</c>.</summary>
    public const string TempSuffix = ".tmp";

    public const int LockStripes = 256;

    private const string EscapedPrefix = "s_";
    private const string HashedPrefix = "h_";
    private const int MaxEscapedLength = 200;

    // Outside the id alphabet [A-Za-z0-9._~-]: an upper-case letter is the only thing it can introduce.
    private const char UpperEscape = '+';

    public static string ForId(string id)
    {
        var upper = 0;
        foreach (var c in id)
        {
            if (char.IsAsciiLetterUpper(c))
            {
                upper++;
            }
        }

        if (id.Length + upper > MaxEscapedLength)
        {
            return string.Concat(HashedPrefix, Sha256Hex(id), Suffix);
        }

        var name = new StringBuilder(EscapedPrefix.Length + id.Length + upper + Suffix.Length).Append(EscapedPrefix);
        foreach (var c in id)
        {
            if (char.IsAsciiLetterUpper(c))
            {
                name.Append(UpperEscape).Append(char.ToLowerInvariant(c));
            }
            else
            {
                name.Append(c);
            }
        }

        return name.Append(Suffix).ToString();
    }

    /// <summary>The id a file name stands for, when the name says it (not for hashed names or foreign files).</summary>
    public static string? TryGetId(string fileName)
    {
        if (!fileName.StartsWith(EscapedPrefix, StringComparison.Ordinal) || !fileName.EndsWith(Suffix, StringComparison.Ordinal))
        {
            return null;
        }

        var escaped = fileName.AsSpan(EscapedPrefix.Length, fileName.Length - EscapedPrefix.Length - Suffix.Length);
        var id = new StringBuilder(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            var c = escaped[i];
            if (c == UpperEscape)
            {
                if (++i == escaped.Length || !char.IsAsciiLetterLower(escaped[i]))
                {
                    return null;
                }

                id.Append(char.ToUpperInvariant(escaped[i]));
            }
            else
            {
                id.Append(c);
            }
        }

        var result = id.ToString();
        return SessionValidation.IsValidId(result) && string.Equals(ForId(result), fileName, StringComparison.Ordinal) ? result : null;
    }

    /// <summary>Whether a directory entry is a session file (anything else in the directory is ignored).</summary>
    public static bool IsSessionFile(ReadOnlySpan<char> fileName) =>
        fileName.EndsWith(Suffix, StringComparison.Ordinal) &&
        (fileName.StartsWith(EscapedPrefix, StringComparison.Ordinal) || fileName.StartsWith(HashedPrefix, StringComparison.Ordinal));

    /// <summary>The directory name of a subject's index: any Unicode subject becomes 64 hex digits.</summary>
    public static string ForSubject(string subject) => Sha256Hex(subject);

    /// <summary>
    /// The lock stripe of a session file. It must be the same in every process that shares the directory, so it is a
    /// fixed hash (FNV-1a) of the file name, never <see cref="string.GetHashCode()"/>, which is randomised per process.
    /// </summary>
    public static int LockStripe(string fileName)
    {
        var hash = 2166136261u;
        foreach (var c in fileName)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % LockStripes);
    }

    private static string Sha256Hex(string value)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(value), hash);
        return Convert.ToHexStringLower(hash);
    }
}
