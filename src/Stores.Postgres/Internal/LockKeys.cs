using System;
using System.Text;

namespace SessionStores.Postgres.Internal;

/// <summary>
/// Advisory-lock keys. A stable 64-bit FNV-1a hash of a purpose and a quoted name, so every instance (and a DBA's
/// job) derives the same key without a shared registry, and different tables never contend.
/// </summary>
internal static class LockKeys
{
    public static long For(string purpose, string quotedName)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes("SessionStores.Postgres:" + purpose + ":" + quotedName))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }

        return unchecked((long)hash);
    }
}
