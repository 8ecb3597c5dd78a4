using System;
using System.Collections.Generic;
using System.Threading;

namespace SessionStores;

/// <summary>
/// The near cache's memory: entries in least-recently-used order, bounded in bytes, plus what the feed announced
/// recently (tombstones), so that a read or write that started before an announcement cannot put back what the
/// announcement removed.
/// </summary>
/// <remarks>
/// <para><b>The race it guards</b>: a load starts (and captures <see cref="Capture"/>), another process writes and its
/// announcement evicts the entry, then the load's older reply arrives. <see cref="Put"/> refuses that reply because a
/// tombstone newer than the capture names a version above the reply's (or a destroy). An announcement of the same
/// version, typically this process's own write, does not refuse it.</para>
/// <para>Tombstones are kept for the last <see cref="TombstoneCapacity"/> announcements; a capture older than the oldest
/// one forgotten cannot be checked and is refused (<c>_floor</c>). A flush or a lost feed moves the floor to now.</para>
/// <para>One lock: every critical section is a few dictionary and list operations, far cheaper than the round trip the
/// cache saves.</para>
/// </remarks>
internal sealed class NearCacheTable
{
    private const int TombstoneCapacity = 8192;

    private readonly Dictionary<string, LinkedListNode<NearCacheEntry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<NearCacheEntry> _lru = new();
    private readonly Dictionary<string, Tombstone> _tombstones = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, long Sequence)> _tombstoneOrder = new();
    private readonly long _maxBytes;
    private readonly long _maxEntryAge;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private long _sequence;
    private long _floor;
    private long _bytes;
    private bool _available;

    public NearCacheTable(long maxBytes, TimeSpan maxEntryAge, TimeProvider time)
    {
        _maxBytes = maxBytes;
        _time = time;
        _maxEntryAge = (long)(maxEntryAge.TotalSeconds * time.TimestampFrequency);
    }

    /// <summary>Whether the feed is live: while not, nothing is served or stored.</summary>
    public bool IsAvailable => Volatile.Read(ref _available);

    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The announcement sequence, to pass to <see cref="Put"/> for an operation about to start.</summary>
    public long Capture()
    {
        lock (_gate)
        {
            return _sequence;
        }
    }

    /// <summary>The live entry of <paramref name="id"/>, or <see langword="null"/>; an entry past its age cap or past the
    /// expiry it knows of is dropped instead.</summary>
    public NearCacheEntry? Find(string id, long now)
    {
        if (!IsAvailable)
        {
            return null;
        }

        lock (_gate)
        {
            if (!_entries.TryGetValue(id, out var node))
            {
                return null;
            }

            var entry = node.Value;
            if (now - entry.CachedAt >= _maxEntryAge || now >= entry.StoredUntil)
            {
                RemoveNode(node);
                return null;
            }

            _lru.Remove(node);
            _lru.AddFirst(node);
            return entry;
        }
    }

    /// <summary>Stores <paramref name="entry"/> unless the feed is lost, an announcement made after
    /// <paramref name="captured"/> says it is stale, or a newer version is already cached.</summary>
    /// <returns>Whether it was stored.</returns>
    public bool Put(NearCacheEntry entry, long captured)
    {
        if (entry.Bytes > _maxBytes / 8)
        {
            Remove(entry.Id);
            return false;
        }

        lock (_gate)
        {
            if (!_available || captured < _floor
                || (_tombstones.TryGetValue(entry.Id, out var tombstone) && tombstone.Sequence > captured
                    && (tombstone.Destroyed || tombstone.Version > entry.Version)))
            {
                return false;
            }

            if (_entries.TryGetValue(entry.Id, out var existing))
            {
                if (existing.Value.Version > entry.Version)
                {
                    return false;
                }

                RemoveNode(existing);
            }

            var node = _lru.AddFirst(entry);
            _entries[entry.Id] = node;
            _bytes += entry.Bytes;
            while (_bytes > _maxBytes && _lru.Last is { } oldest)
            {
                RemoveNode(oldest);
            }

            return true;
        }
    }

    /// <summary>Replaces the entry of <paramref name="id"/> by <paramref name="update"/>'s result, only while it is still the
    /// same version (a touch moved its expiry).</summary>
    public void Update(string id, long version, Func<NearCacheEntry, NearCacheEntry> update)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(id, out var node) && node.Value.Version == version)
            {
                var updated = update(node.Value);
                _bytes += updated.Bytes - node.Value.Bytes;
                node.Value = updated;
            }
        }
    }

    /// <summary>Drops the entry of <paramref name="id"/> without an announcement (this process learned it may be stale).</summary>
    public void Remove(string id) => Invalidate(id, 0);

    /// <summary>A change of <paramref name="id"/> to <paramref name="version"/> (0: destroyed or unknown): drops an older
    /// entry and remembers the change for loads already under way.</summary>
    public void Invalidate(string id, long version)
    {
        lock (_gate)
        {
            var sequence = ++_sequence;
            // Only an older entry: a late echo of this process's own earlier write must not evict its newer copy. (A session
            // destroyed and re-created under the same id restarts at version 1; the destroy's announcement evicts it, and
            // the ASP.NET Core integration never re-creates an id.)
            if (_entries.TryGetValue(id, out var node) && (version == 0 || node.Value.Version < version))
            {
                RemoveNode(node);
            }

            _tombstones[id] = _tombstones.TryGetValue(id, out var previous)
                ? new Tombstone(Math.Max(previous.Version, version), previous.Destroyed || version == 0, sequence)
                : new Tombstone(version, version == 0, sequence);
            _tombstoneOrder.Enqueue((id, sequence));
            while (_tombstoneOrder.Count > TombstoneCapacity)
            {
                var (oldId, oldSequence) = _tombstoneOrder.Dequeue();
                _floor = Math.Max(_floor, oldSequence);
                if (_tombstones.TryGetValue(oldId, out var old) && old.Sequence == oldSequence)
                {
                    _tombstones.Remove(oldId);
                }
            }
        }
    }

    /// <summary>Forgets everything; loads under way store nothing.</summary>
    public void Flush() => SetAvailable(IsAvailable);

    /// <summary>Flushes and turns serving on or off (the feed came back or was lost).</summary>
    public void SetAvailable(bool available)
    {
        lock (_gate)
        {
            _floor = ++_sequence;
            _entries.Clear();
            _lru.Clear();
            _tombstones.Clear();
            _tombstoneOrder.Clear();
            _bytes = 0;
            Volatile.Write(ref _available, available);
        }
    }

    /// <summary>Now, on the clock the entries' timestamps use.</summary>
    public long Now() => _time.GetTimestamp();

    /// <summary>A duration in the entries' timestamp units.</summary>
    public long Ticks(TimeSpan duration) => (long)(duration.TotalSeconds * _time.TimestampFrequency);

    /// <summary>A time to live in the entries' timestamp units, in the whole milliseconds a store applies
    /// (<see cref="SessionValidation.ToMilliseconds"/>): how far past a call's start the store's expiry lies.</summary>
    public long TtlTicks(TimeSpan ttl) => Ticks(TimeSpan.FromMilliseconds(SessionValidation.ToMilliseconds(ttl)));

    /// <summary>A difference of timestamps as a duration.</summary>
    public TimeSpan Duration(long ticks) => TimeSpan.FromSeconds((double)ticks / _time.TimestampFrequency);

    private void RemoveNode(LinkedListNode<NearCacheEntry> node)
    {
        _lru.Remove(node);
        _entries.Remove(node.Value.Id);
        _bytes -= node.Value.Bytes;
    }

    private readonly record struct Tombstone(long Version, bool Destroyed, long Sequence);
}
