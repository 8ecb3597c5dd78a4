using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// One request's view of a session's content (values, subject, creation time and the version they were read at) and
/// the log of this request's own changes to it: what it set or removed, what each such key held before, whether it
/// cleared the session or changed the subject. The log is what lets a commit that lost a compare-and-set replay only
/// this request's changes onto the record another request stored meanwhile (<see cref="Rebase"/>), and tell a merge of
/// different keys from a lost update of the same key. No I/O, no state checks: <see cref="StoreBackedSession"/> decides
/// when reading and writing are allowed.
/// </summary>
internal sealed class SessionValues
{
    private Dictionary<string, byte[]> _values = Empty();
    // One entry per key this request changed: what it holds now and what it held before (one dictionary, created by the
    // first change: a read-only request has none). A clear drops the entries: the values it removed are not this
    // request's to merge, and no same-key check runs after a clear.
    private Dictionary<string, Change>? _changes;
    private bool _cleared;
    private bool _subjectChanged;
    // The subject before this request changed it (or as a merge last took another request's): a subject changed on both
    // sides, to different ends, is a conflict like a key changed on both sides.
    private string? _subjectBefore;

    /// <summary>The stored version this view is based on, which the next compare-and-set expects (0: create only).</summary>
    public long Version { get; set; }

    /// <summary>When the session was created (Unix milliseconds), the origin of its absolute lifetime.</summary>
    public long CreatedAtMs { get; private set; }

    public string? Subject { get; private set; }

    /// <summary>Whether there is something to store: a change since the load or the last commit.</summary>
    public bool IsDirty { get; private set; }

    public IEnumerable<string> Keys => _values.Keys;

    /// <summary>Starts an empty session created at <paramref name="createdAtMs"/>, not yet stored (version 0). The
    /// change log is left as it is.</summary>
    public void StartEmpty(long createdAtMs)
    {
        _values = Empty();
        Version = 0;
        CreatedAtMs = createdAtMs;
        Subject = null;
    }

    /// <summary>The content of a stored record; throws <see cref="SessionDataCorruptedException"/> naming the session
    /// when its payload cannot be read.</summary>
    public static Content Read(string sessionId, SessionRecord record) =>
        new(record.Version, SessionPayload.Decode(sessionId, record.Data.Span, out var createdAtMs), record.Subject, createdAtMs);

    /// <summary>Makes <paramref name="content"/> the view (a record just read, or one saved before a rebase). The change
    /// log is left as it is.</summary>
    public void Load(Content content) => (Version, _values, Subject, CreatedAtMs) = content;

    /// <summary>The view as it is now, to go back to should a rebased view not be stored.</summary>
    public Content Save() => new(Version, _values, Subject, CreatedAtMs);

    /// <summary>The payload to store for the current values.</summary>
    public byte[] Encode() => SessionPayload.Encode(CreatedAtMs, _values);

    /// <summary>The payload of an empty session created when this one was.</summary>
    public byte[] EncodeEmpty() => SessionPayload.Encode(CreatedAtMs, Empty());

    public bool TryGetValue(string key, [NotNullWhen(true)] out byte[]? value)
    {
        if (_values.TryGetValue(key, out var found))
        {
            // A copy: a caller that edits the array in place and sets it again must be seen to change the value, and
            // the loaded bytes stay the baseline that a conflicting commit merges against.
            value = found.Length == 0 ? found : found.AsSpan().ToArray();
            return true;
        }

        value = null;
        return false;
    }

    public void Set(string key, byte[] value)
    {
        if (_values.TryGetValue(key, out var existing) && existing.AsSpan().SequenceEqual(value))
        {
            return;
        }

        // Copied, as the built-in session does: the caller may reuse its array.
        var copy = value.AsSpan().ToArray();
        _values[key] = copy;
        RecordChange(key, copy, existing);
        IsDirty = true;
    }

    public void Remove(string key)
    {
        if (_values.Remove(key, out var existing))
        {
            RecordChange(key, null, existing);
            IsDirty = true;
        }
    }

    public void Clear()
    {
        if (_values.Count == 0)
        {
            return;
        }

        _values.Clear();
        _changes = null;
        _cleared = true;
        IsDirty = true;
    }

    /// <summary>Binds the session to a subject, or unbinds it with <see langword="null"/>.</summary>
    public void SetSubject(string? subject)
    {
        if (string.Equals(Subject, subject, StringComparison.Ordinal))
        {
            return;
        }

        if (!_subjectChanged)
        {
            _subjectBefore = Subject;
        }

        Subject = subject;
        _subjectChanged = true;
        IsDirty = true;
    }

    /// <summary>The session moved to a new id, where nothing is stored yet: the content is written there whole (its
    /// subject too), while the change log stays relative to the old id's loaded version.</summary>
    public void MoveToNewId()
    {
        Version = 0;
        IsDirty = true;
        if (!_subjectChanged && Subject is not null)
        {
            // Written whole to the new id; unchanged by this request relative to the old id.
            _subjectBefore = Subject;
            _subjectChanged = true;
        }
    }

    /// <summary>What a destroyed session shows for the rest of the request: nothing, and nothing to store.</summary>
    public void Discard()
    {
        _values = Empty();
        _changes = null;
        IsDirty = false;
        Subject = null;
    }

    /// <summary>The view was stored as <paramref name="version"/>: the change log starts afresh.</summary>
    public void MarkCommitted(long version)
    {
        Version = version;
        _changes = null;
        _cleared = false;
        _subjectChanged = false;
        IsDirty = false;
    }

    /// <summary>
    /// Replays this request's own changes onto <paramref name="latest"/>, the record another request stored meanwhile
    /// (<see langword="null"/> when it was destroyed or expired), key by key. A key this request changed that the other
    /// request changed too (to something else) cannot be merged without losing one of the two updates (a counter
    /// incremented twice would count once): that throws <see cref="SessionCommitConflictException"/> with
    /// <paramref name="attempt"/>, unless this request cleared the session or <paramref name="lastWriteWins"/>, where
    /// this request's value wins.
    /// </summary>
    public void Rebase(string sessionId, SessionRecord? latest, int attempt, bool lastWriteWins = false)
    {
        Dictionary<string, byte[]> values;
        if (latest is null)
        {
            // Destroyed or expired meanwhile (e.g. "sign out everywhere"): start from nothing, and never re-bind the old
            // subject unless this request bound it itself.
            values = Empty();
            if (!_cleared && !lastWriteWins)
            {
                ThrowOnSameKeyConflict(values, sessionId, attempt, sessionEnded: true);
            }

            Version = 0;
            Subject = _subjectChanged ? Subject : null;
        }
        else
        {
            var latestValues = SessionPayload.Decode(sessionId, latest.Data.Span, out var createdAtMs);
            CreatedAtMs = createdAtMs;
            if (_subjectChanged && !lastWriteWins
                && !string.Equals(latest.Subject, _subjectBefore, StringComparison.Ordinal)
                && !string.Equals(latest.Subject, Subject, StringComparison.Ordinal))
            {
                // Both requests re-bound (or unbound) the session, differently: either outcome would silently undo the
                // other's, a logout included.
                throw new SessionCommitConflictException(sessionId, attempt, sessionEnded: false);
            }

            if (!_cleared && !lastWriteWins)
            {
                ThrowOnSameKeyConflict(latestValues, sessionId, attempt, sessionEnded: false);
            }

            values = _cleared ? Empty() : latestValues;
            Version = latest.Version;
            if (_subjectChanged)
            {
                _subjectBefore = latest.Subject;
            }

            Subject = _subjectChanged ? Subject : latest.Subject;
        }

        if (_changes is not null)
        {
            foreach (var (key, (value, _)) in _changes)
            {
                if (value is null)
                {
                    values.Remove(key);
                }
                else
                {
                    values[key] = value;
                }
            }
        }

        _values = values;
    }

    /// <summary>A copy of the change log, to replay later against another record (the old id of a regenerated session).</summary>
    public ChangeLog CopyChangeLog() => new(
        _changes is null ? null : new(_changes, StringComparer.Ordinal),
        _cleared,
        _subjectChanged,
        _subjectBefore);

    /// <summary>Makes <paramref name="log"/> this request's change log again (after a commit cleared it).</summary>
    public void RestoreChangeLog(ChangeLog log) =>
        (_changes, _cleared, _subjectChanged, _subjectBefore) = (log.Changes, log.Cleared, log.SubjectChanged, log.SubjectBefore);

    private static Dictionary<string, byte[]> Empty() => new(StringComparer.Ordinal);

    private static bool BytesEqual(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    /// <summary>Records that <paramref name="key"/> now holds <paramref name="value"/> (<see langword="null"/>: removed),
    /// keeping the value it had when this request first changed it, to tell a merge from a lost update.</summary>
    private void RecordChange(string key, byte[]? value, byte[]? before)
    {
        ref var change = ref CollectionsMarshal.GetValueRefOrAddDefault(_changes ??= new(StringComparer.Ordinal), key, out var known);
        change = new Change(value, known ? change.Original : before);
    }

    private void ThrowOnSameKeyConflict(Dictionary<string, byte[]> latestValues, string sessionId, int attempt, bool sessionEnded)
    {
        if (_changes is null)
        {
            return;
        }

        foreach (var key in _changes.Keys)
        {
            latestValues.TryGetValue(key, out var theirs);
            ref var change = ref CollectionsMarshal.GetValueRefOrNullRef(_changes, key);
            if (!BytesEqual(theirs, change.Original))
            {
                throw new SessionCommitConflictException(sessionId, attempt, sessionEnded);
            }

            // Merged: the other request's value is now the baseline a later conflict is judged against (an update in
            // place, which the enumeration allows).
            change = change with { Original = theirs };
        }
    }

    /// <summary>This request's changes: what each changed key holds and held before, whether the session was cleared and
    /// whether the subject changed.</summary>
    internal sealed record ChangeLog(Dictionary<string, Change>? Changes, bool Cleared, bool SubjectChanged, string? SubjectBefore);

    /// <summary>A key this request changed: what it holds now (<see langword="null"/>: removed) and what it held when this
    /// request first changed it (or when a merge last took another request's value as the baseline).</summary>
    internal readonly record struct Change(byte[]? Value, byte[]? Original);

    /// <summary>A session's content: the version it was stored as, its values, subject and creation time.</summary>
    internal readonly record struct Content(long Version, Dictionary<string, byte[]> Values, string? Subject, long CreatedAtMs);
}
