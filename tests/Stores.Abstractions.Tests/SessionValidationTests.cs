using System;
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

    [Fact]
    public void Shortened_ids_keep_six_characters()
    {
        Assert.Equal("abcdef…", SessionValidation.Shorten("abcdefghijkl"));
        Assert.Equal("abc", SessionValidation.Shorten("abc"));
    }
}
