using System;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace SessionStores.Scale.Benchmarks;

/// <summary>Ids shaped like real ones: 32 characters of URL-safe Base64 from 24 random bytes.</summary>
internal static class SessionIds
{
    public static string[] Create(int count)
    {
        var ids = new string[count];
        Span<byte> bytes = stackalloc byte[24];
        for (var i = 0; i < count; i++)
        {
            RandomNumberGenerator.Fill(bytes);
            ids[i] = Base64Url.EncodeToString(bytes);
        }

        return ids;
    }
}
