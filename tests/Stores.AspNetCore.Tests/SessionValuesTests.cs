using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using SessionStores.AspNetCore.Internal;
using Xunit;

namespace SessionStores.AspNetCore.Tests;

/// <summary>A session's content and this request's change log (<see cref="SessionValues"/>), directly: what counts as
/// a change, and how a commit that lost a compare-and-set merges this request's changes onto the latest record.</summary>
public sealed class SessionValuesTests
{
    private const string Id = "session-1";
    private const long CreatedAtMs = 1_700_000_000_000;

    [Fact]
    public void A_loaded_record_shows_its_content_and_has_nothing_to_store()
    {
        var values = Loaded(Record(3, "user-1", ("a", "1"), ("b", "2")));

        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, Contents(values));
        Assert.Equal((3L, "user-1", CreatedAtMs), (values.Version, values.Subject, values.CreatedAtMs));
        Assert.False(values.IsDirty);
    }

    [Fact]
    public void Encoded_values_read_back_with_their_creation_time()
    {
        var values = Loaded(Record(1, null, ("a", "1")));
        values.Set("ключ", Bytes("значение"));
        values.Set("empty", []);

        var read = SessionValues.Read(Id, new SessionRecord(Id, values.Encode(), 2, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "s"));

        Assert.Equal(CreatedAtMs, read.CreatedAtMs);
        Assert.Equal(Contents(values), read.Values.ToDictionary(e => e.Key, e => Encoding.UTF8.GetString(e.Value)));
        Assert.Empty(SessionValues.Read(Id, new SessionRecord(Id, values.EncodeEmpty(), 1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null)).Values);
    }

    [Fact]
    public void An_unreadable_record_is_reported_as_corrupted_data_of_the_session()
    {
        var record = new SessionRecord(Id, new byte[] { 99, 0, 0 }, 1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null);

        var ex = Assert.Throws<SessionDataCorruptedException>(() => SessionValues.Read(Id, record));
        Assert.Equal(Id, ex.SessionId);
    }

    [Fact]
    public void Setting_the_value_a_key_holds_removing_a_missing_key_and_clearing_nothing_are_not_changes()
    {
        var values = Loaded(Record(1, "user-1", ("a", "1")));

        values.Set("a", Bytes("1"));
        values.Remove("missing");
        values.SetSubject("user-1");
        Assert.False(values.IsDirty);

        var empty = new SessionValues();
        empty.Clear();
        Assert.False(empty.IsDirty);
    }

    [Fact]
    public void Values_are_copied_in_and_out_so_editing_an_array_in_place_changes_nothing()
    {
        var values = new SessionValues();
        var mine = Bytes("1");
        values.Set("a", mine);
        mine[0] = (byte)'9';

        Assert.True(values.TryGetValue("a", out var handedOut));
        handedOut[0] = (byte)'8';

        Assert.Equal("1", Contents(values)["a"]);
        Assert.True(values.IsDirty);
    }

    [Fact]
    public void Changes_of_different_keys_merge_onto_the_latest_record()
    {
        var values = Loaded(Record(1, "user-1", ("a", "1"), ("b", "2"), ("c", "3")));
        values.Set("a", Bytes("mine"));
        values.Remove("b");

        // Another request changed c, added d and rebound the subject.
        values.Rebase(Id, Record(2, "user-2", ("a", "1"), ("b", "2"), ("c", "theirs"), ("d", "new")), attempt: 1);

        Assert.Equal(new Dictionary<string, string> { ["a"] = "mine", ["c"] = "theirs", ["d"] = "new" }, Contents(values));
        Assert.Equal((2L, "user-2"), (values.Version, values.Subject));
        Assert.True(values.IsDirty);
    }

    [Fact]
    public void A_key_both_requests_changed_is_a_conflict_with_the_attempt_number()
    {
        var values = Loaded(Record(1, null, ("n", "1")));
        values.Set("n", Bytes("2"));

        var conflict = Assert.Throws<SessionCommitConflictException>(() => values.Rebase(Id, Record(2, null, ("n", "2")), attempt: 3));
        Assert.Equal(3, conflict.Attempts);
    }

    [Fact]
    public void A_conflict_with_another_requests_change_is_not_a_session_end()
    {
        var values = Loaded(Record(1, null, ("n", "1")));
        values.Set("n", Bytes("2"));

        var conflict = Assert.Throws<SessionCommitConflictException>(() => values.Rebase(Id, Record(2, null, ("n", "2")), attempt: 1));
        Assert.False(conflict.SessionEnded);
        Assert.Contains("changed by a concurrent request", conflict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_changed_on_a_session_that_ended_meanwhile_is_a_conflict_that_says_the_session_ended()
    {
        var values = Loaded(Record(4, "user-1", ("n", "1")));
        values.Set("n", Bytes("2"));

        var conflict = Assert.Throws<SessionCommitConflictException>(() => values.Rebase(Id, null, attempt: 2));
        Assert.True(conflict.SessionEnded);
        Assert.Equal(2, conflict.Attempts);
        Assert.Contains("ended (destroyed or expired)", conflict.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Id, conflict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_this_request_removed_that_the_other_changed_is_a_conflict()
    {
        var values = Loaded(Record(1, null, ("n", "1")));
        values.Remove("n");

        Assert.Throws<SessionCommitConflictException>(() => values.Rebase(Id, Record(2, null, ("n", "5")), attempt: 1));
    }

    [Fact]
    public void Under_last_write_wins_this_requests_value_of_a_key_both_changed_wins()
    {
        var values = Loaded(Record(1, null, ("n", "1"), ("m", "1")));
        values.Set("n", Bytes("mine"));

        values.Rebase(Id, Record(2, null, ("n", "theirs"), ("m", "theirs")), attempt: 1, lastWriteWins: true);

        Assert.Equal(new Dictionary<string, string> { ["n"] = "mine", ["m"] = "theirs" }, Contents(values));
    }

    [Fact]
    public void A_session_destroyed_meanwhile_keeps_only_this_requests_new_keys_and_not_the_old_subject()
    {
        var values = Loaded(Record(4, "user-1", ("a", "1")));
        values.Set("new", Bytes("x"));

        values.Rebase(Id, null, attempt: 1);

        Assert.Equal(new Dictionary<string, string> { ["new"] = "x" }, Contents(values));
        Assert.Equal((0L, (string?)null), (values.Version, values.Subject));
    }

    [Fact]
    public void A_subject_this_request_bound_survives_a_destroy_meanwhile()
    {
        var values = Loaded(Record(4, "user-1"));
        values.SetSubject("user-2");

        values.Rebase(Id, null, attempt: 1);

        Assert.Equal("user-2", values.Subject);
    }

    [Fact]
    public void A_subject_changed_differently_by_both_requests_is_a_conflict_never_a_silent_undo()
    {
        // This request unbinds (a logout); the other re-bound the session meanwhile.
        var values = Loaded(Record(1, "alice"));
        values.SetSubject(null);

        var conflict = Assert.Throws<SessionCommitConflictException>(() => values.Rebase(Id, Record(2, "bob"), attempt: 1));
        Assert.False(conflict.SessionEnded);
    }

    [Fact]
    public void A_subject_changed_by_one_request_only_or_to_the_same_end_merges()
    {
        var mine = Loaded(Record(1, "alice"));
        mine.SetSubject("bob");
        mine.Rebase(Id, Record(2, "alice", ("k", "theirs")), attempt: 1);
        Assert.Equal(("bob", 2L), (mine.Subject, mine.Version));

        var theirs = Loaded(Record(1, "alice"));
        theirs.Set("k", Bytes("mine"));
        theirs.Rebase(Id, Record(2, "bob"), attempt: 1);
        Assert.Equal("bob", theirs.Subject);

        var both = Loaded(Record(1, "alice"));
        both.SetSubject(null);
        both.Rebase(Id, Record(2, null), attempt: 1);
        Assert.Null(both.Subject);

        // After a merge the other request's subject is the baseline: a third change of it conflicts again.
        mine.Rebase(Id, Record(3, "bob"), attempt: 2);
        Assert.Throws<SessionCommitConflictException>(() => mine.Rebase(Id, Record(4, "carol"), attempt: 3));
    }

    [Fact]
    public void A_changed_key_of_a_session_destroyed_meanwhile_is_a_conflict()
    {
        var values = Loaded(Record(4, null, ("a", "1")));
        values.Set("a", Bytes("2"));

        Assert.Throws<SessionCommitConflictException>(() => values.Rebase(Id, null, attempt: 1));
    }

    [Fact]
    public void A_cleared_session_replaces_whatever_the_other_request_stored()
    {
        var values = Loaded(Record(1, null, ("a", "1")));
        values.Clear();
        values.Set("x", Bytes("mine"));

        values.Rebase(Id, Record(2, null, ("a", "theirs"), ("b", "theirs")), attempt: 1);

        Assert.Equal(new Dictionary<string, string> { ["x"] = "mine" }, Contents(values));
        Assert.Equal(2, values.Version);
    }

    [Fact]
    public void A_commit_starts_a_fresh_change_log()
    {
        var values = Loaded(Record(1, null, ("n", "1")));
        values.Set("n", Bytes("2"));

        values.MarkCommitted(2);

        Assert.False(values.IsDirty);
        Assert.Equal(2, values.Version);

        // Nothing of this request is left to conflict with: the other request's value is taken as it is.
        values.Rebase(Id, Record(3, null, ("n", "9")), attempt: 1);
        Assert.Equal("9", Contents(values)["n"]);
    }

    [Fact]
    public void A_copied_change_log_restored_after_a_commit_replays_the_same_changes()
    {
        var values = Loaded(Record(1, null, ("n", "1")));
        values.Set("n", Bytes("2"));
        var log = values.CopyChangeLog();
        values.Set("later", Bytes("x"));
        values.MarkCommitted(2);

        values.RestoreChangeLog(log);

        Assert.Throws<SessionCommitConflictException>(() => values.Rebase(Id, Record(5, null, ("n", "7")), attempt: 1));
        values.Rebase(Id, Record(5, null, ("n", "1"), ("o", "3")), attempt: 1);
        Assert.Equal(new Dictionary<string, string> { ["n"] = "2", ["o"] = "3" }, Contents(values));
    }

    [Fact]
    public void Moving_to_a_new_id_writes_everything_there_subject_included()
    {
        var values = Loaded(Record(7, "user-1", ("a", "1")));

        values.MoveToNewId();

        Assert.True(values.IsDirty);
        Assert.Equal(0, values.Version);

        // The subject counts as this request's own now: a destroy of the old id meanwhile does not unbind it.
        values.Rebase(Id, null, attempt: 1);
        Assert.Equal("user-1", values.Subject);
    }

    [Fact]
    public void A_saved_view_comes_back_after_a_rebase_that_was_not_stored()
    {
        var values = Loaded(Record(1, "user-1", ("a", "1")));
        values.Set("b", Bytes("2"));
        var saved = values.Save();

        values.Rebase(Id, Record(6, "user-2", ("c", "3")), attempt: 1);
        values.Load(saved);

        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, Contents(values));
        Assert.Equal((1L, "user-1", CreatedAtMs), (values.Version, values.Subject, values.CreatedAtMs));
    }

    [Fact]
    public void A_discarded_session_shows_nothing_and_has_nothing_to_store()
    {
        var values = Loaded(Record(2, "user-1", ("a", "1")));
        values.Set("b", Bytes("2"));

        values.Discard();

        Assert.Empty(values.Keys);
        Assert.Null(values.Subject);
        Assert.False(values.IsDirty);
    }

    private static SessionValues Loaded(SessionRecord record)
    {
        var values = new SessionValues();
        values.Load(SessionValues.Read(Id, record));
        return values;
    }

    private static SessionRecord Record(long version, string? subject, params (string Key, string Value)[] entries)
    {
        var data = SessionPayload.Encode(CreatedAtMs, entries.ToDictionary(e => e.Key, e => Bytes(e.Value), StringComparer.Ordinal));
        return new SessionRecord(Id, data, version, DateTimeOffset.UnixEpoch, DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs), subject);
    }

    private static Dictionary<string, string> Contents(SessionValues values) =>
        values.Keys.ToDictionary(k => k, k => values.TryGetValue(k, out var v) ? Encoding.UTF8.GetString(v) : throw new InvalidOperationException(k));

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
