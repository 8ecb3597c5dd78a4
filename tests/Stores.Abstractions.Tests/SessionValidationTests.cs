using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace SessionStores.Abstractions.Tests;

public sealed class SessionValidationTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("0123456789abcdefABCDEF-_.~")]
    [InlineData("..")]
    [InlineData("9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d")]
    public void Valid_ids_pass(string id) => SessionValidation.ValidateId(id);

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a+b")]
    [InlineData("a=")]
    [InlineData("ü")]
    public void Invalid_ids_name_the_rule_and_the_parameter(string id)
    {
        var ex = Assert.Throws<ArgumentException>(() => SessionValidation.ValidateId(id));

        Assert.Equal("id", ex.ParamName);
        Assert.Contains("[A-Za-z0-9._~-]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_longest_id_passes_and_one_more_character_fails()
    {
        SessionValidation.ValidateId(new string('a', SessionLimits.MaxIdLength));

        Assert.Throws<ArgumentException>(() => SessionValidation.ValidateId(new string('a', SessionLimits.MaxIdLength + 1)));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(10_000, 1)]
    [InlineData(10_001, 2)]
    [InlineData(15_000, 2)]
    [InlineData(TimeSpan.TicksPerSecond, 1000)]
    public void Ttls_are_rounded_up_to_whole_milliseconds(long ticks, long expected) =>
        Assert.Equal(expected, SessionValidation.ToMilliseconds(TimeSpan.FromTicks(ticks)));

    [Fact]
    public void Oversized_data_names_the_limit_and_the_setting()
    {
        var ex = Assert.Throws<ArgumentException>(() => SessionValidation.ValidateWrite(new SessionWrite(new byte[11], TimeSpan.FromMinutes(1)), 10));

        Assert.Contains("MaxDataBytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("11", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("emoji-\ud83d\ude00")]
    [InlineData("名前")]
    [InlineData("user@example.com")]
    public void Printable_unicode_subjects_pass(string subject) => SessionValidation.ValidateSubject(subject);

    [Fact]
    public void Control_characters_and_unpaired_surrogates_fail()
    {
        // Built here: a lone surrogate does not survive the runner's serialisation of theory data.
        foreach (var subject in new[] { "\ud83d", "x\ude00", "\ude00\ud83d", "\u0007" })
        {
            Assert.Throws<ArgumentException>(() => SessionValidation.ValidateSubject(subject));
        }
    }

    [Theory]
    [InlineData("ab\ncd", "index 2 is U+000A")]
    [InlineData("\0", "index 0 is U+0000")]
    [InlineData("ok-\ud83d\ude00", "index 3 is U+1F600")]
    [InlineData("a b", "index 1 is U+0020")]
    public void An_invalid_id_is_described_by_the_index_and_code_point_of_its_first_bad_character(string id, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => SessionValidation.ValidateId(id));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_too_long_id_is_described_by_its_length()
    {
        var ex = Assert.Throws<ArgumentException>(() => SessionValidation.ValidateId(new string('a', 300)));

        Assert.Contains("got 300 characters", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_rejected_id_or_subject_appears_in_the_message_and_no_message_holds_a_control_character()
    {
        // Property-style: thousands of generated bad inputs, each rejected with a message that quotes none of it.
        var random = new Random(20261203);
        var checkedIds = 0;
        foreach (var id in BadIds(random).Take(5000))
        {
            var ex = Assert.Throws<ArgumentException>(() => SessionValidation.ValidateId(id));
            AssertClean(ex.Message, id);
            checkedIds++;
        }

        foreach (var subject in BadSubjects(random).Take(2000))
        {
            var ex = Assert.Throws<ArgumentException>(() => SessionValidation.ValidateSubject(subject));
            AssertClean(ex.Message, subject);
        }

        Assert.Equal(5000, checkedIds);

        static void AssertClean(string message, string input)
        {
            Assert.DoesNotContain(message, char.IsControl);
            Assert.DoesNotContain(message, char.IsSurrogate);

            // An input of a few plain characters (say "a b") can occur in any sentence; from 4 characters on it must not.
            if (input.Length >= 4)
            {
                Assert.DoesNotContain(input, message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void A_tag_is_stable_short_and_differs_between_ids()
    {
        var ids = Enumerable.Range(0, 2000).Select(i => Guid.NewGuid().ToString("N") + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        var tags = ids.Select(SessionValidation.Tag).ToArray();

        Assert.All(tags, tag => Assert.Matches("^[0-9a-f]{8}$", tag));
        Assert.Equal(tags, ids.Select(SessionValidation.Tag));
        Assert.Equal(ids.Length, tags.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids.Zip(tags), pair => Assert.DoesNotContain(pair.Second, pair.First, StringComparison.Ordinal));

        // Fixed for every process and release (SHA-256 of the UTF-8 bytes), so logs of different instances correlate.
        Assert.Equal("2cf24dba", SessionValidation.Tag("hello"));
        Assert.Equal(SessionValidation.Tag(new string('x', 5000)), SessionValidation.Tag(new string('x', 5000)));
        Assert.Equal("(none)", SessionValidation.Tag(null));
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("line\nforged", "line\\u000Aforged")]
    [InlineData("nul\0", "nul\\u0000")]
    [InlineData("emoji \ud83d\ude00 kept", "emoji \ud83d\ude00 kept")]
    public void Control_characters_are_escaped_for_messages(string text, string expected) =>
        Assert.Equal(expected, SessionValidation.EscapeControlCharacters(text));

    [Fact]
    public void A_lone_surrogate_is_escaped_for_messages() =>
        Assert.Equal("a\\uD83Db", SessionValidation.EscapeControlCharacters("a\ud83db"));

    [Fact]
    public void A_corrupt_record_is_named_by_its_tag_and_its_reason_cannot_forge_a_line()
    {
        var ex = new SessionDataCorruptedException("secret-session-id", "bad\r\nFAKE LOG LINE");

        Assert.DoesNotContain("secret-session-id", ex.Message, StringComparison.Ordinal);
        Assert.Contains(SessionValidation.Tag("secret-session-id"), ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ex.Message, char.IsControl);
        Assert.Equal("secret-session-id", ex.SessionId);
    }

    private static IEnumerable<string> BadIds(Random random)
    {
        yield return string.Empty;
        yield return new string('a', SessionLimits.MaxIdLength + 1);
        yield return "valid-prefix\r\n2026-12-03 INFO forged log line";
        yield return "abc\0def";
        while (true)
        {
            var kind = random.Next(4);
            var length = kind == 3 ? random.Next(SessionLimits.MaxIdLength + 1, 2000) : random.Next(1, 64);
            var chars = new char[length];
            for (var i = 0; i < length; i++)
            {
                chars[i] = (char)random.Next('a', 'z' + 1);
            }

            if (kind != 3)
            {
                // At least one character outside the id alphabet: a control character, NUL, a newline, non-ASCII text or a lone surrogate.
                var bad = kind switch
                {
                    0 => (char)random.Next(0, 0x20),
                    1 => (char)random.Next(0x80, 0xD800),
                    _ => (char)random.Next(0xD800, 0xE000),
                };
                chars[random.Next(length)] = bad;
            }

            yield return new string(chars);
        }
    }

    private static IEnumerable<string> BadSubjects(Random random)
    {
        yield return string.Empty;
        yield return new string('s', SessionLimits.MaxSubjectLength + 1);
        yield return "alice\nadmin logged in";
        while (true)
        {
            var length = random.Next(1, 64);
            var chars = new char[length];
            for (var i = 0; i < length; i++)
            {
                chars[i] = (char)random.Next(0x20, 0x7F);
            }

            chars[random.Next(length)] = random.Next(3) switch
            {
                0 => (char)random.Next(0, 0x20),
                1 => (char)random.Next(0x7F, 0xA0),
                _ => (char)random.Next(0xDC00, 0xE000),
            };
            yield return new string(chars);
        }
    }
}
