using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SessionStores.Memory;

// The table layout, chosen for a million sessions. Sessions live in shards of plain dictionaries whose values are
// structs, each shard guarded by its own lock: a session costs its id string and one data buffer on the heap (no
// per-session node or entry object), so a full GC has a third of the objects to mark. A write copies the data into
// the session's existing buffer when it fits, and a touch changes one field in place, so the steady state of a
// request stores no new reference into the old generation: no card marking, nothing promoted to die later in gen 2.
// Reads copy the data out, so a buffer is never shared with a caller; the copy dies young, which is cheap.
public sealed partial class MemorySessionStore
{
    // Enough shards that two cores rarely meet on one lock and each dictionary resizes in small steps (1M sessions
    // make shards of about 4,000).
    private const int ShardCount = 256;

    // Buffers grow in steps of this many bytes, so a session whose data grows a little is rewritten in place.
    private const int BufferGranularity = 32;

    private static Shard[] CreateShards()
    {
        var shards = new Shard[ShardCount];
        for (var i = 0; i < shards.Length; i++)
        {
            shards[i] = new Shard();
        }

        return shards;
    }

    private Shard ShardFor(string id) => _shards[(uint)StringComparer.Ordinal.GetHashCode(id) % ShardCount];

    /// <summary>A lock and the sessions it guards; every access to <see cref="Slots"/> holds <c>lock (shard)</c>.</summary>
    private sealed class Shard
    {
        public Dictionary<string, Slot> Slots { get; } = new(StringComparer.Ordinal);

        /// <summary>The session's slot, or a null reference (test with <see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>);
        /// valid until the dictionary next changes.</summary>
        public ref Slot Find(string id) => ref CollectionsMarshal.GetValueRefOrNullRef(Slots, id);

        public ref Slot Add(string id) => ref CollectionsMarshal.GetValueRefOrAddDefault(Slots, id, out _);
    }

    /// <summary>One session. Mutable, and only ever changed through a reference into its shard's dictionary, under its lock.</summary>
    private struct Slot
    {
        private byte[] _buffer;

        public int Length { get; private set; }

        public long Version { get; private set; }

        public long ExpiresAtMs { get; set; }

        public long CreatedAtMs { get; private set; }

        public string? Subject { get; private set; }

        public readonly bool IsLive(long nowMs) => nowMs < ExpiresAtMs;

        public void Store(ReadOnlySpan<byte> data, long version, long expiresAtMs, long createdAtMs, string? subject)
        {
            // Reused when the data fits and the buffer is not far too large for it (a session that shrank a lot).
            if (_buffer is null || _buffer.Length < data.Length || _buffer.Length > (2 * data.Length) + BufferGranularity)
            {
                _buffer = data.IsEmpty ? [] : new byte[(data.Length + BufferGranularity - 1) / BufferGranularity * BufferGranularity];
            }

            data.CopyTo(_buffer);
            Length = data.Length;
            Version = version;
            ExpiresAtMs = expiresAtMs;
            CreatedAtMs = createdAtMs;
            Subject = subject;
        }

        public readonly SessionRecord ToRecord(string id) =>
            new(id, CopyData(), Version, DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAtMs), DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs), Subject);

        public readonly SessionInfo ToInfo(string id, bool includeData) =>
            new(id, Version, DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAtMs), DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs), Subject, Length, includeData ? new ReadOnlyMemory<byte>(CopyData()) : (ReadOnlyMemory<byte>?)null);

        private readonly byte[] CopyData() => Length == 0 ? [] : _buffer.AsSpan(0, Length).ToArray();
    }
}
