using System;

namespace SessionStores;

/// <summary>One cached session, immutable: an update replaces it.</summary>
/// <param name="Id">The session id.</param>
/// <param name="Data">The data (a private copy).</param>
/// <param name="Version">The version the data belong to.</param>
/// <param name="Subject">The subject.</param>
/// <param name="CreatedAt">The store's created-at.</param>
/// <param name="Exact">The record exactly as the store returned it, while nothing changed its expiry since; plain reads
/// are served only from it, so they return what the store would (expiry included, to the millisecond).</param>
/// <param name="StoredUntil">A local monotonic timestamp (<see cref="TimeProvider.GetTimestamp"/>) before which the store
/// certainly still holds the session: the moment the request that set its expiry was sent, plus that TTL.</param>
/// <param name="ServerClockOffset">The store's clock minus this process's, as estimated when the entry was read; used
/// only to state the new expiry of a sliding read served from memory.</param>
/// <param name="CachedAt">The local monotonic timestamp of the store operation the entry comes from.</param>
internal sealed record NearCacheEntry(
    string Id,
    ReadOnlyMemory<byte> Data,
    long Version,
    string? Subject,
    DateTimeOffset CreatedAt,
    SessionRecord? Exact,
    long StoredUntil,
    TimeSpan ServerClockOffset,
    long CachedAt)
{
    /// <summary>Roughly what the entry costs in memory: the data, the id's characters and the bookkeeping objects.</summary>
    public long Bytes => Data.Length + (2L * Id.Length) + (Subject?.Length * 2 ?? 0) + 256;
}
